"""The test runtime with other settings: same database, clock and storage, fresh rate limiter."""

from __future__ import annotations

import dataclasses

from bidbridge.services.runtime import Runtime


def runtime_with(runtime: Runtime, **overrides: object) -> Runtime:
    settings = runtime.settings.model_copy(update=overrides)
    return dataclasses.replace(runtime, settings=settings, rate_limiter=None, extras={})
