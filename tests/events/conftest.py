"""Webhook tests share the worker's database with other tests: every endpoint is disabled before
and after each test, so a worker here never delivers another test's leftovers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from bidbridge.models import WebhookEndpoint
from bidbridge.services.runtime import Runtime


def _quiet(runtime: Runtime) -> None:
    with runtime.sessions() as s, s.begin():
        s.execute(update(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
                  .values(enabled=False, disabled_reason="test isolation"))


@pytest.fixture(autouse=True)
def _no_leftover_endpoints(runtime: Runtime) -> Iterator[None]:
    _quiet(runtime)
    yield
    _quiet(runtime)
