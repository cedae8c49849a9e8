"""What one server process holds: settings, clock, database, password hasher, counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bidbridge import loop_connection
from bidbridge.clock import Clock, OffsetFileClock, SystemClock
from bidbridge.config import Settings
from bidbridge.db import make_engine, make_sessionmaker
from bidbridge.security.passwords import Passwords
from bidbridge.services.auth_throttle import AuthThrottle, Limits
from bidbridge.services.rate_limit import RateLimiter, make_rate_limiter
from bidbridge.services.throttle import FailureCounter, make_failure_counter
from bidbridge.storage import Storage
from bidbridge.storage.choose import storage_from_settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    passwords: Passwords
    failures: FailureCounter
    storage: Storage
    extras: dict[str, object] = field(default_factory=dict)
    # Built from the settings when not given (tests may pass their own).
    rate_limiter: RateLimiter | None = None
    # Called by close(), first to last (e.g. the request-log writer's flush).
    on_close: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rate_limiter is None:
            s = self.settings
            self.rate_limiter = make_rate_limiter(
                token_quota=s.rate_limit_token_requests, company_quota=s.rate_limit_company_requests,
                window=s.rate_limit_window_seconds, redis_url=s.redis_url,
                redis_prefix=s.rate_limit_redis_prefix)

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        engine = make_engine(settings.database_url)
        if clock is None:
            clock = (OffsetFileClock(settings.clock_offset_file)
                     if settings.clock_offset_file else SystemClock())
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_sessionmaker(engine),
            clock=clock,
            passwords=Passwords(settings.argon2_time_cost, settings.argon2_memory_kib),
            failures=make_failure_counter(settings.redis_url),
            storage=storage_from_settings(settings),
        )

    def log_engine(self) -> Engine:
        """The reserved pool for request-log rows of calls that got no connection (made on
        first use)."""
        engine = self.extras.get("log_engine")
        if not isinstance(engine, Engine):
            engine = make_engine(self.settings.database_url, reserved=True)
            self.extras["log_engine"] = engine
        return engine

    @property
    def token_throttle(self) -> AuthThrottle:
        """getToken's failures, keyed by login and client address."""
        s = self.settings
        return AuthThrottle(self.failures, "token", Limits(
            s.auth_failure_limit, s.auth_failure_address_limit, s.auth_failure_login_limit,
            s.auth_failure_window_seconds))

    @property
    def login_throttle(self) -> AuthThrottle:
        """Web logins' failures (passwords and second-factor codes alike)."""
        s = self.settings
        return AuthThrottle(self.failures, "web-login", Limits(
            s.login_failure_limit, s.login_failure_address_limit, s.login_failure_login_limit,
            s.auth_failure_window_seconds))

    def close(self) -> None:
        while self.on_close:
            self.on_close.pop(0)()
        loop_connection.release(self.engine)
        self.engine.dispose()
        engine = self.extras.pop("log_engine", None)
        if isinstance(engine, Engine):
            engine.dispose()
