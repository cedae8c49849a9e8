"""The API declarations as the client sees them (imported lazily: they pull in the server models)."""

from __future__ import annotations

from typing import Any

from bidbridge.api.declare import REGISTRY, Api, Function


def declared_functions(api: Api) -> list[Function]:
    from bidbridge.api import contractor, subcontractor  # noqa: F401  (registers the functions)

    return list(REGISTRY[api].values())


def response_type(api: Api, name: str) -> Any:
    declared_functions(api)
    return REGISTRY[api][name].response
