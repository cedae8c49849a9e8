"""Schemathesis against the published OpenAPI documents, with a valid token: no 5xx, and every
answer conforms to the document (status, content type, headers, body schema).

One test per declared function and database, so a new function is fuzzed without a change here.
Each runs BIDBRIDGE_FUZZ_EXAMPLES (default 100) generated requests, valid and invalid ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import bidbridge.app  # noqa: F401  (registers every function)
from bidbridge.api.declare import REGISTRY
from tests.fuzz.conftest import EXAMPLES

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
FUNCTIONS = [(api, fn) for api, table in REGISTRY.items() for fn in table.values()]


@pytest.mark.parametrize("api,fn", FUNCTIONS, ids=[f"{a}.{f.name}" for a, f in FUNCTIONS])
def test_fuzz(api: str, fn: Any, fuzz_schemas: dict[str, Any], fuzz_tokens: dict[str, str],
              record_property: Any) -> None:
    operation = fuzz_schemas[api][fn.path][fn.method]
    strategy = (operation.as_strategy(GenerationMode.POSITIVE)
                | operation.as_strategy(GenerationMode.NEGATIVE))
    headers = {"X-Auth-Token": fuzz_tokens[api]}
    seen = {"examples": 0, "statuses": set()}

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen["examples"] += 1
        seen["statuses"].add(response.status_code)

    run()
    record_property("fuzz_examples", seen["examples"])
    # A function without any parameter has too few distinct inputs for hypothesis to make 100.
    assert seen["examples"] >= (EXAMPLES if fn.params else 1), seen
    assert not any(s >= 500 for s in seen["statuses"])
