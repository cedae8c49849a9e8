"""What one server process holds: settings, clock, database, password hasher, counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bidbridge.clock import Clock, OffsetFileClock, SystemClock
from bidbridge.config import Settings
from bidbridge.db import make_engine, make_sessionmaker
from bidbridge.security.passwords import Passwords
from bidbridge.services.throttle import FailureCounter, make_failure_counter
from bidbridge.storage import Storage
from bidbridge.storage.local import LocalStorage


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
            storage=LocalStorage(settings.storage_dir),
        )

    def close(self) -> None:
        self.engine.dispose()
