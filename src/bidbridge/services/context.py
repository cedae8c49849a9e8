"""Who is acting, from where, and when: passed to every service call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from bidbridge.clock import Clock, SystemClock


@dataclass(frozen=True)
class Actor:
    kind: str  # "contact", "support" or "system"
    id: int | None
    name: str
    company_id: int | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(kind="system", id=None, name=name)


@dataclass(frozen=True)
class RequestContext:
    actor: Actor
    clock: Clock = field(default_factory=SystemClock)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    client_ip: str | None = None
    user_agent: str | None = None

    def now(self) -> datetime:
        return self.clock.now()

    def acting_as(self, actor: Actor) -> RequestContext:
        return RequestContext(actor, self.clock, self.request_id, self.client_ip, self.user_agent)
