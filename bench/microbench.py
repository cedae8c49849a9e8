"""What verifying an X-Auth-Token costs a call: services.tokens.authenticate timed in-process,
inside an open transaction whose connection is already checked out (dispatch pays the checkout
for any function), next to a bare `SELECT 1` round trip through the same session."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from sqlalchemy import text

from bidbridge.models import ApiRequest, CompanyKind
from bidbridge.services import tokens
from bidbridge.services.runtime import Runtime


@dataclass
class TokenCost:
    backend: str
    calls: int
    authenticate_p50_ms: float
    authenticate_p99_ms: float
    select1_p50_ms: float
    log_row_p50_ms: float = 0.0  # one request-log row in its own transaction, as dispatch writes it

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
                     select1_p50_ms=statistics.median(plain),
                     log_row_p50_ms=log_row_cost(runtime, max(50, calls // 10)))


def log_row_cost(runtime: Runtime, calls: int) -> float:
    """p50 ms of writing one api_requests row in its own transaction (a WAL flush on
    PostgreSQL): what every API call pays after its answer is computed."""
    spent = []
    for _ in range(calls):
        started = time.perf_counter()
        with runtime.sessions() as session, session.begin():
            session.add(ApiRequest(occurred_at=runtime.clock.now(), request_id="bench-probe",
                                   api="subcontractor", function="getMe", method="GET",
                                   path="/rest/subcontractor/v1/me", template_params={},
                                   query_params={}, status=200, duration_ms=1.0))
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)
