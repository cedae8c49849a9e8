"""The contractor's bid comparison page with 10 bidders × 500 budget lines: server time.

    .venv/bin/python -m bench.web_comparison [--bidders 10] [--lines 500] [--repeat 30]
                                             [--backends sqlite,postgresql]

Loads one workpackage with ``--lines`` budget lines and ``--bidders`` invited subcontractors,
each with a submitted proposal pricing every line (one line in seven left unpriced, one in
eleven excluded, three extra rows each). Then the real app answers, in process, the logged-in
contractor's GET of the comparison grid, of its xlsx export, and of the project list (the floor:
the same session, identity and page chrome with almost no data). Prints the median and p95 in
ms of each (wall clock, and the CPU time the process spent, which a busy machine does not
inflate) and the ratio to the floor of the same run. A benchmark, never a test: the target is
that a page comes back in under 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from starlette.testclient import TestClient

from bench.web_timing import drop_database, fresh_database, get_ok, log_in, p95, times
from bidbridge.app import create_app
from bidbridge.clock import FrozenClock
from bidbridge.config import Settings
from bidbridge.db import make_engine, make_sessionmaker
from bidbridge.migrate import upgrade
from bidbridge.models import (
    BudgetLine,
    Company,
    CompanyKind,
    Contact,
    ContactRole,
    ContactType,
    Project,
    Proposal,
    ProposalState,
    Rfp,
    RfpStatus,
    Workpackage,
)
from bidbridge.security.passwords import Passwords
from bidbridge.services.runtime import Runtime
from bidbridge.services.throttle import MemoryFailureCounter
from bidbridge.storage.local import LocalStorage

DATABASE = "bidbridge_bench_web_comparison"
PASSWORD = "bench-password-1"
EMAIL = "bench@gc.test"


def _load(url: str, bidders: int, lines: int, passwords: Passwords) -> int:
    """The data set; returns the workpackage id."""
    upgrade(url)
    engine = make_engine(url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    stamps = {"created_at": now, "updated_at": now}
    with engine.begin() as conn:
        gc = conn.execute(insert(Company).values(kind=CompanyKind.CONTRACTOR, name="Bench GC",
                                                 country_code="NL", **stamps)
                          .returning(Company.id)).scalar_one()
        conn.execute(insert(Contact).values(
            company_id=gc, name="Bench Buyer", email=EMAIL, role=ContactRole.ADMINISTRATOR,
            contact_type=ContactType.VISIBLE, password_hash=passwords.hash(PASSWORD), **stamps))
        project = conn.execute(insert(Project).values(company_id=gc, name="Bench project",
                                                      status="tender", **stamps)
                               .returning(Project.id)).scalar_one()
        wp = conn.execute(insert(Workpackage).values(project_id=project, name="Installaties",
                                                     **stamps)
                          .returning(Workpackage.id)).scalar_one()
        line_ids = [conn.execute(insert(BudgetLine).values(
            workpackage_id=wp, code=f"{i // 100:02d}.{i % 100:02d}",
            description=f"Leiding en appendages, tracé {i}", quantity=Decimal(i % 37 + 1) / 4,
            unit="m1", position=i, **stamps).returning(BudgetLine.id)).scalar_one()
            for i in range(lines)]
        for b in range(bidders):
            sub = conn.execute(insert(Company).values(
                kind=CompanyKind.SUBCONTRACTOR, name=f"Bidder {b:02d} B.V.", country_code="NL",
                **stamps).returning(Company.id)).scalar_one()
            rfp = conn.execute(insert(Rfp).values(
                workpackage_id=wp, project_id=project, company_id=sub, contractor_company_id=gc,
                status=RfpStatus.PROPOSAL, status_shared=False, invited_at=now, **stamps)
                .returning(Rfp.id)).scalar_one()
            snapshot: list[dict[str, Any]] = [
                {"budgetLineId": line_id, "unitPrice": f"{10 + (b * 7 + i) % 90}.{b:02d}",
                 "included": i % 11 != 0}
                for i, line_id in enumerate(line_ids) if (i + b) % 7 != 0]
            snapshot += [{"description": f"Extra {x}", "quantity": "1", "unit": "ps",
                          "totalPrice": f"{100 * (x + 1)}.00", "included": True}
                         for x in range(3)]
            conn.execute(insert(Proposal).values(
                rfp_id=rfp, version=1, state=ProposalState.SUBMITTED,
                submitted_at=now + timedelta(minutes=b), submitted_by_name="Bench",
                total_amount=Decimal("123456.78"), lines=snapshot, content_sha256="0" * 64,
                updated_at=now))
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return wp


def measure(backend: str, bidders: int, lines: int, repeat: int, tmp: Path
            ) -> dict[str, tuple[list[float], list[float]]]:
    url = fresh_database(backend, tmp, DATABASE)
    passwords = Passwords(time_cost=1, memory_kib=1024)
    try:
        wp = _load(url, bidders, lines, passwords)
        settings = Settings(env="test", data_dir=tmp / f"var-{backend}", database_url=url,
                            secret_key="b" * 48, pepper="p" * 48)
        engine = make_engine(url)
        runtime = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                          clock=FrozenClock(), passwords=passwords,
                          failures=MemoryFailureCounter(),
                          storage=LocalStorage(settings.storage_dir))
        with TestClient(create_app(settings, runtime=runtime)) as client:
            log_in(client, EMAIL, PASSWORD)
            grid = client.get(f"/workpackages/{wp}/comparison").text
            assert grid.count('class="cell-none"') > 0 and grid.count("Bidder ") >= bidders
            result = {
                "floor: /projects": times(get_ok(client, "/projects"), repeat),
                "comparison grid": times(get_ok(client, f"/workpackages/{wp}/comparison"),
                                         repeat),
                "xlsx export": times(get_ok(client, f"/workpackages/{wp}/comparison.xlsx"),
                                     repeat),
            }
        engine.dispose()
        return result
    finally:
        drop_database(backend, DATABASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=10)
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"comparison page, {args.bidders} bidders × {args.lines} lines, "
          f"{args.repeat} requests each, in-process server time (ms)")
    print(f"{'backend':<11} {'page':<18} {'median':>8} {'p95':>8} {'× floor':>8} "
          f"{'CPU med':>8} {'CPU p95':>8}")
    with tempfile.TemporaryDirectory(prefix="bidbridge-bench-") as tmp:
        for backend in args.backends.split(","):
            result = measure(backend, args.bidders, args.lines, args.repeat, Path(tmp))
            floor = statistics.median(result["floor: /projects"][0])
            for name, (wall, cpu) in result.items():
                median = statistics.median(wall)
                print(f"{backend:<11} {name:<18} {median:8.1f} {p95(wall):8.1f} "
                      f"{median / floor:8.1f} {statistics.median(cpu):8.1f} {p95(cpu):8.1f}")


if __name__ == "__main__":
    main()
