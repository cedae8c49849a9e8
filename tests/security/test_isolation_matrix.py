"""Every function with an id in its path, called with another company's id: 404 not_found,
shaped exactly like a missing id's answer, nothing changed, and none of the other company's data
in the answer or in the caller's audit log. Generated from the declarations: a new function is
checked without a change here, and fails loudly if its id parameter has no provider."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

import bidbridge.app  # noqa: F401  (registers every function)
from bidbridge.api.declare import REGISTRY, Function
from bidbridge.api.dispatch import API_PREFIX
from bidbridge.models import AuditEvent
from tests.factories import auth
from tests.security.isolation_world import (
    ID_PROVIDERS,
    World,
    build_world,
    leaks,
    request_parts,
    same_shape,
)

MISSING_ID = 2_000_000_000  # no row has it; answers must look the same as for a foreign id


def _with_ids() -> list[Function]:
    return [fn for table in REGISTRY.values() for fn in table.values()
            if any(p.kind == "template" for p in fn.params)]


FUNCTIONS = _with_ids()


@pytest.fixture
def world(client, factory) -> World:
    return build_world(client, factory)


def _events(runtime: Any, company_ids: list[int]) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)
                            .where(AuditEvent.company_id.in_(company_ids))) or 0)


def _call(client: Any, fn: Function, ids: dict[str, int], token: str) -> Any:
    path = API_PREFIX[fn.api] + fn.path.format(**ids)
    if fn.method == "GET":
        return client.get(path, headers=auth(token))
    values, files = request_parts(fn)
    if files:
        data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
        return client.post(path, data=data, files=files, headers=auth(token))
    return client.post(path, json=values, headers=auth(token))


def test_every_id_parameter_has_a_provider():
    missing = {(fn.api, fn.name, p.name) for fn in FUNCTIONS for p in fn.params
               if p.kind == "template" and p.name not in ID_PROVIDERS}
    assert missing == set(), ("give these id parameters a provider in "
                              f"tests/security/isolation_world.py: {sorted(missing)}")


def test_the_matrix_is_not_empty():
    assert len(FUNCTIONS) >= 3, [fn.name for fn in FUNCTIONS]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=[f"{f.api}.{f.name}" for f in FUNCTIONS])
def test_another_companys_id_is_not_found(fn: Function, world: World, client, runtime) -> None:
    template = [p.name for p in fn.params if p.kind == "template"]
    missing_names = [n for n in template if n not in ID_PROVIDERS]
    assert not missing_names, f"{fn.name}: no id provider for {missing_names}"
    foreign_ids = {n: ID_PROVIDERS[n](world, fn.api) for n in template}
    token = world.tokens[fn.api]
    caller = world.caller[fn.api].company.id
    watched = [caller, *world.victim_companies()]
    before = _events(runtime, watched)

    foreign = _call(client, fn, foreign_ids, token)
    missing = _call(client, fn, dict.fromkeys(template, MISSING_ID), token)

    assert foreign.status_code == 404, foreign.text
    assert foreign.json()["code"] == "not_found"
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert same_shape(foreign.json(), missing.json(), [*foreign_ids.values(), MISSING_ID]), \
        (foreign.text, missing.text)
    assert leaks(foreign.text, world.secrets) == []
    assert _events(runtime, watched) == before  # a refused call changes nothing, for anyone

    for source in ("events", "requests"):
        log = client.post(f"{API_PREFIX[fn.api]}/audit-log",
                          data={"source": source, "limit": "200"}, headers=auth(token))
        assert log.status_code == 200
        assert leaks(log.text, world.secrets) == [], source
    requests = client.post(f"{API_PREFIX[fn.api]}/audit-log",
                           data={"source": "requests", "limit": "200"}, headers=auth(token)).json()
    mine = [r for r in requests["requests"] if r["requestId"] == foreign.headers["x-request-id"]]
    assert len(mine) == 1 and mine[0]["status"] == 404 and mine[0]["function"] == fn.name
