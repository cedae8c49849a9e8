"""Documentation generated from the function declarations: reference, OpenAPI, Postman."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bidbridge.api.declare import Api


def docs_routes(api: Api) -> list[BaseRoute]:
    from bidbridge.api.docs.routes import docs_routes as build

    return build(api)


def asset_routes() -> list[BaseRoute]:
    from bidbridge.api.docs.routes import asset_routes as build

    return build()
