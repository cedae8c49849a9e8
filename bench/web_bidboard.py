"""Server time of the bid board page with 10,000 RFPs, against My Account as the floor.

    .venv/bin/python -m bench.web_bidboard [--rfps 10000] [--rounds 40] [--backends sqlite,postgresql]

One subcontractor gets ``--rfps`` RFPs over 100 projects (a tenth with a proposal, some with
unread messages) and as many RFPs go to another company. A logged-in estimator then asks for the
board in the app's own process (no network): the first page, a search, a deadline filter, the
"last change" order, and a page deep in the keyset. It prints median and p95 of the server time
per page and the ratio to My Account measured in the same run. Not asserted anywhere: the
target is a page under 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from starlette.testclient import TestClient

from bench.web_timing import drop_database, fresh_database, get_ok, log_in, p95, times
from bidbridge.app import create_app
from bidbridge.config import Settings
from bidbridge.migrate import upgrade
from bidbridge.models import (
    Company,
    CompanyKind,
    Contact,
    ContactRole,
    ContactType,
    Message,
    MessageDirection,
    Project,
    Proposal,
    ProposalState,
    Rfp,
    RfpStatus,
    Workpackage,
)
from bidbridge.security.passwords import Passwords
from bidbridge.services.runtime import Runtime

DATABASE = "bidbridge_bench_web_bidboard"
PASSWORD = "bench-password-1"
EMAIL = "estimator@bench.example"


def _load(url: str, size: int, now: datetime) -> None:
    upgrade(url)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    password_hash = Passwords(1, 1024).hash(PASSWORD)
    with engine.begin() as conn:
        def company(kind: CompanyKind, name: str) -> int:
            return int(conn.execute(insert(Company).values(
                kind=kind, name=name, country_code="NL", city="Utrecht", created_at=now,
                updated_at=now).returning(Company.id)).scalar_one())

        gc = company(CompanyKind.CONTRACTOR, "Bouwbedrijf Bench")
        sub = company(CompanyKind.SUBCONTRACTOR, "Installateur Bench")
        other = company(CompanyKind.SUBCONTRACTOR, "Concurrent Bench")
        conn.execute(insert(Contact).values(
            company_id=sub, name="Bench Estimator", email=EMAIL, password_hash=password_hash,
            role=ContactRole.USER, contact_type=ContactType.VISIBLE, active=True,
            session_version=1, created_at=now, updated_at=now))
        projects = [int(conn.execute(insert(Project).values(
            company_id=gc, name=f"Project {p:03d} {('Noord', 'Zuid', 'Oost', 'West')[p % 4]}",
            city=("Utrecht", "Zwolle", "Delft")[p % 3], status="active",
            deadline_date=now + timedelta(days=p - 20), created_at=now, updated_at=now,
        ).returning(Project.id)).scalar_one()) for p in range(100)]
        wps = [{"id": i + 1, "project_id": projects[i % 100], "code": f"{i % 90 + 10}",
                "name": f"Workpackage {i}", "created_at": now, "updated_at": now,
                "deadline": now + timedelta(hours=i % 2000 - 200) if i % 3 else None}
               for i in range(size)]
        for start in range(0, size, 5000):
            conn.execute(insert(Workpackage), wps[start:start + 5000])
        rfps = []
        for i in range(size):
            for owner in (sub, other):
                rfps.append({"workpackage_id": i + 1, "project_id": projects[i % 100],
                             "company_id": owner, "contractor_company_id": gc,
                             "status": RfpStatus.CALCULATING if i % 4 == 0 else RfpStatus.UNKNOWN,
                             "status_shared": i % 8 == 0, "invited_at": now, "created_at": now,
                             "updated_at": now + timedelta(seconds=i)})
        for start in range(0, len(rfps), 5000):
            conn.execute(insert(Rfp), rfps[start:start + 5000])
        own = [r[0] for r in conn.execute(text(f"SELECT id FROM rfps WHERE company_id = {sub}"))]
        conn.execute(insert(Proposal), [{
            "rfp_id": rfp_id, "version": 1, "state": ProposalState.SUBMITTED,
            "submitted_at": now, "submitted_by_name": "Bench", "total_amount": Decimal("100.00"),
            "currency": "EUR", "lines": [], "content_sha256": "0" * 64, "updated_at": now}
            for rfp_id in own[::10]])
        conn.execute(insert(Message), [{
            "rfp_id": rfp_id, "direction": MessageDirection.TO_SUBCONTRACTOR,
            "author_company_id": gc, "author_name": "GC", "text": "Vraag", "sent_at": now}
            for rfp_id in own[::7]])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()


def measure(backend: str, size: int, rounds: int, tmp: Path) -> list[tuple[str, float, float]]:
    url = fresh_database(backend, tmp, DATABASE)
    now = datetime.now(UTC).replace(microsecond=0)
    _load(url, size, now)
    settings = Settings(env="test", data_dir=tmp / "var", database_url=url, secret_key="s" * 48,
                        pepper="p" * 48, argon2_time_cost=1, argon2_memory_kib=1024)
    runtime = Runtime.create(settings)
    results = []
    with TestClient(create_app(settings, runtime=runtime)) as client:
        log_in(client, EMAIL, PASSWORD)
        first = client.get("/bids")
        assert "Workpackage" in first.text
        deep = "/bids"
        for _ in range(40):  # 40 pages in: the keyset costs what page 1 costs
            link = client.get(deep).text.split('rel="next"', 1)[0].rsplit('href="', 1)[1]
            deep = link.split('"', 1)[0].replace("&amp;", "&")
        cases = [("My Account page (floor)", "/account"), ("bid board, first page", "/bids"),
                 ("search 'zuid'", "/bids?q=zuid"), ("deadline within 14 days",
                                                    "/bids?within=14"),
                 ("sort by last change", "/bids?sort=-updated"), ("page 41 (keyset)", deep)]
        for label, path in cases:
            wall, _ = times(get_ok(client, path), rounds)
            results.append((label, statistics.median(wall), p95(wall)))
    runtime.close()
    drop_database(backend, DATABASE)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rfps", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="bidbridge-bench-") as tmp:
            rows = measure(backend, args.rfps, args.rounds, Path(tmp))
        floor = rows[0][1]
        print(f"\n{backend}: bid board with {args.rfps} RFPs, {args.rounds} rounds, in-process")
        print(f"{'page':32} {'median ms':>10} {'p95 ms':>8} {'x floor':>8}")
        for label, median, high in rows:
            print(f"{label:32} {median:10.1f} {high:8.1f} {median / floor:8.1f}")


if __name__ == "__main__":
    main()
