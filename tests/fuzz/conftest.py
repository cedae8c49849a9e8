"""Fuzzing fixtures: the real app on each test database, the published OpenAPI document, and a
valid token per API; plus a summary of the examples run."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from starlette.testclient import TestClient

from bidbridge.api.dispatch import API_PREFIX
from bidbridge.app import create_app
from bidbridge.models import CompanyKind
from bidbridge.services.runtime import Runtime
from tests.factories import get_token
from tests.runtime_variants import runtime_with

EXAMPLES = int(os.environ.get("BIDBRIDGE_FUZZ_EXAMPLES", "100"))


@pytest.fixture
def fuzz_runtime(runtime: Runtime) -> Runtime:
    # Fuzzing sends thousands of calls with one token: lift the budgets out of the way.
    return runtime_with(runtime, rate_limit_token_requests=0, rate_limit_company_requests=0,
                        auth_failure_limit=10**9)


@pytest.fixture
def fuzz_app(fuzz_runtime: Runtime) -> Any:
    return create_app(fuzz_runtime.settings, runtime=fuzz_runtime)


def _schema(app: Any, api: str) -> Any:
    """The OpenAPI document the platform publishes, loaded through the app itself."""
    path = f"{API_PREFIX[api]}/openapi.json"  # type: ignore[index]
    with TestClient(app) as c:
        served = c.get(path)
    assert served.status_code == 200, f"{path} is not served ({served.status_code})"
    return schemathesis.openapi.from_asgi(path, app)


def _token(app: Any, factory: Any, kind: CompanyKind) -> str:
    setup = factory.company(kind)
    with TestClient(app) as c:
        return get_token(c, setup, api=kind.value)


@pytest.fixture
def fuzz_schemas(fuzz_app: Any) -> dict[str, Any]:
    return {api: _schema(fuzz_app, api) for api in ("subcontractor", "contractor")}


@pytest.fixture
def fuzz_tokens(fuzz_app: Any, factory: Any) -> dict[str, str]:
    return {kind.value: _token(fuzz_app, factory, kind) for kind in CompanyKind}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    counts: Counter[str] = Counter()
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "fuzz_examples":
                counts[report.nodeid] += int(value)
    if counts:
        terminalreporter.write_line(
            f"fuzz: {sum(counts.values())} examples over {len(counts)} operation runs "
            f"(min {min(counts.values())} per operation run)")
