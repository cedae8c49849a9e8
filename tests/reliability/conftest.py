"""Fixtures for the reliability tests: an app that also serves the test-only probe function."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bidbridge.app import create_app
from bidbridge.services.runtime import Runtime
from tests.reliability import probe


@pytest.fixture
def probe_app(runtime: Runtime):  # type: ignore[no-untyped-def]
    with probe.registered():
        yield create_app(runtime.settings, runtime=runtime)


@pytest.fixture
def probe_client(probe_app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(probe_app, base_url="http://testserver") as c:
        yield c
