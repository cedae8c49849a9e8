"""What verifying an X-Auth-Token costs a call: services.tokens.authenticate timed in-process,
inside an open transaction whose connection is already checked out (dispatch pays the checkout
for any function), next to a bare `SELECT 1` round trip through the same session."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from sqlalchemy import text

from bidbridge.models import CompanyKind
from bidbridge.services import tokens
from bidbridge.services.runtime import Runtime


@dataclass
class TokenCost:
    backend: str
    calls: int
    authenticate_p50_ms: float
    authenticate_p99_ms: float
    select1_p50_ms: float

    @property
    def cpu_part_p50_ms(self) -> float:
        return max(0.0, self.authenticate_p50_ms - self.select1_p50_ms)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def token_cost(runtime: Runtime, backend: str, token: str, calls: int) -> TokenCost:
    auth: list[float] = []
    plain: list[float] = []
    for i in range(calls + calls // 10):
        with runtime.sessions() as session, session.begin():
            session.execute(text("SELECT 1")).scalar()  # checkout, pre-ping and BEGIN
            started = time.perf_counter()
            tokens.authenticate(session, runtime.clock.now(), token, CompanyKind.SUBCONTRACTOR)
            spent = time.perf_counter() - started
            started = time.perf_counter()
            session.execute(text("SELECT 1")).scalar()
            spent_plain = time.perf_counter() - started
        if i >= calls // 10:  # the first tenth warms caches and compiled statements
            auth.append(spent * 1000)
            plain.append(spent_plain * 1000)
    return TokenCost(backend=backend, calls=calls, authenticate_p50_ms=statistics.median(auth),
                     authenticate_p99_ms=_percentile(auth, 99),
                     select1_p50_ms=statistics.median(plain))
