"""getRfps page cost against table size: keyset pages over (company_id, updated_at, id).

    .venv/bin/python -m bench.rfp_keyset [--sizes 2000,50000] [--backends sqlite,postgresql]

For each size, one company gets that many RFPs (and as many go to other companies); the median
time of a first page and of a page deep in the list (cursor near the end) is printed, with the
ratio against the smallest size in the same run. A flat ratio means the cost does not grow.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bidbridge.db import make_engine, make_sessionmaker
from bidbridge.migrate import upgrade
from bidbridge.models import Company, CompanyKind, Project, Rfp, RfpStatus, Workpackage
from bidbridge.services.rfp_listing import Position, RfpFilter, list_rfps

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REPEAT = 30


def _database(backend: str, tmp: Path, size: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'keyset-{size}.sqlite3'}"
    name = f"bidbridge_bench_keyset_{size}"
    admin = create_engine(make_url(POSTGRES).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def _drop(backend: str, size: int) -> None:
    if backend == "postgresql":
        admin = create_engine(make_url(POSTGRES).set(drivername="postgresql+psycopg"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "bidbridge_bench_keyset_{size}" '
                              "WITH (FORCE)"))
        admin.dispose()


def _load(url: str, size: int) -> int:
    """``size`` RFPs for the measured company and ``size`` for others; its id."""
    upgrade(url)
    engine = make_engine(url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        ids = []
        for i, kind in enumerate((CompanyKind.CONTRACTOR, CompanyKind.SUBCONTRACTOR,
                                  CompanyKind.SUBCONTRACTOR)):
            ids.append(conn.execute(insert(Company).values(
                kind=kind, name=f"Company {i}", country_code="NL", created_at=now,
                updated_at=now).returning(Company.id)).scalar_one())
        gc, measured, other = ids
        project = conn.execute(insert(Project).values(
            company_id=gc, name="Bench", status="active", created_at=now, updated_at=now
        ).returning(Project.id)).scalar_one()
        conn.execute(insert(Workpackage), [
            {"id": i + 1, "project_id": project, "name": f"WP {i}", "created_at": now,
             "updated_at": now} for i in range(size)])
        rows = []
        for i in range(size):
            for company in (measured, other):
                moment = now + timedelta(seconds=i // 3)  # ties on updated_at, as in life
                rows.append({"workpackage_id": i + 1, "project_id": project,
                             "company_id": company, "contractor_company_id": gc,
                             "status": RfpStatus.UNKNOWN, "status_shared": False,
                             "invited_at": now, "created_at": now, "updated_at": moment})
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(Rfp), rows[start:start + 10_000])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return measured


def _median_ms(fn: object) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(backend: str, size: int, tmp: Path) -> tuple[float, float, str]:
    url = _database(backend, tmp, size)
    try:
        company = _load(url, size)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with sessions() as s:
            tail = s.execute(select(Rfp.updated_at, Rfp.id).where(Rfp.company_id == company)
                             .order_by(Rfp.updated_at.desc(), Rfp.id.desc())
                             .offset(60).limit(1)).one()
            deep = Position(tail[0], tail[1])

            def first() -> None:
                list_rfps(s, company, RfpFilter(), None, 50)
                s.rollback()

            def later() -> None:
                page = list_rfps(s, company, RfpFilter(), deep, 50)
                assert len(page.rows) == 50
                s.rollback()

            first_ms, deep_ms = _median_ms(first), _median_ms(later)
            plan = _plan(s, engine.dialect.name, company, deep)
        engine.dispose()
        return first_ms, deep_ms, plan
    finally:
        _drop(backend, size)


def _plan(session: Session, dialect: str, company: int, after: Position) -> str:
    """The database's plan for a page after ``after``: it should walk ix_rfps_company_updated."""
    sql = ("SELECT id FROM rfps WHERE company_id = :c AND (updated_at, id) > (:u, :i) "
           "ORDER BY updated_at, id LIMIT 51")
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    moment = after.updated_at.replace(tzinfo=None)
    value = moment.isoformat(" ", "microseconds") if dialect == "sqlite" else moment
    rows = session.execute(text(prefix + sql), {"c": company, "u": value, "i": after.rfp_id})
    return " | ".join(str(r[-1]).strip() for r in rows.all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,50000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            base: tuple[float, float] | None = None
            for size in sizes:
                first_ms, deep_ms, plan = measure(backend, size, Path(tmp))
                base = base or (first_ms, deep_ms)
                print(f"{backend:10} {size:>7} RFPs/company: first page {first_ms:6.2f} ms "
                      f"(x{first_ms / base[0]:.2f}), deep page {deep_ms:6.2f} ms "
                      f"(x{deep_ms / base[1]:.2f})")
            print(f"{backend:10} plan: {plan}")


if __name__ == "__main__":
    main()
