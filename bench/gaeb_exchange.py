"""Importing an X83 of 5,000 items and uploading its priced X84: time and peak memory.

    .venv/bin/python -m bench.gaeb_exchange [--items 5000] [--repeat 3]
                                            [--backends sqlite,postgresql]

Builds a bill of ``--items`` items in titles of 100 (one in ten a lump sum or a provisional item,
with or without total) with pygaeb's writer, then, per backend, through the services the API calls:
the contractor's import (screening, pygaeb's parse, the bill stored), our X83 export of it, and
the subcontractor's upload of an X84 pricing every item (one atomic pricing step). Prints the
median wall and CPU time of each, the CPU ratio to pygaeb's bare parse of the same file (the
floor: what the library itself costs), and the peak Python heap of each step (tracemalloc, in a run of
its own); the process's peak RSS is printed at the end. A benchmark, never a test.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pygaeb import GAEBParser
from pygaeb.builder import BoQBuilder
from pygaeb.models.enums import ItemType as GaebType
from pygaeb.models.enums import Provis
from pygaeb.writer import GAEBWriter
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from bidbridge.clock import FrozenClock
from bidbridge.db import make_engine, make_sessionmaker
from bidbridge.migrate import upgrade
from bidbridge.models import Company, CompanyKind, Project, Rfp, RfpStatus, Workpackage
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.gaeb_exchange import export_x83, import_bill, upload_x84

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DATABASE = "bidbridge_bench_gaeb"
LIMIT = 50 * 1024 * 1024
KINDS = [(GaebType.LUMP_SUM, None), (GaebType.EVENTUAL, Provis.WITH_TOTAL),
         (GaebType.EVENTUAL, Provis.WITHOUT_TOTAL)]


def bill(items: int, phase: str) -> bytes:
    """The bill as ``phase`` (X83 unpriced, X84 with a unit price on every item)."""
    builder = BoQBuilder(phase=phase, version="3.3")
    builder.project(name="Bench", currency="EUR")
    for t in range(0, items, 100):
        title = builder.add_category(f"{t // 100 + 1:02d}", f"Title {t // 100 + 1}")
        for i in range(t, min(t + 100, items)):
            kind, provis = KINDS[i % 3] if i % 10 == 9 else (GaebType.NORMAL, None)
            price = Decimal(10 + i % 90) + Decimal(i % 100) / 100 if phase == "X84" else None
            title.add_item(f"{(i - t + 1) * 10:04d}", f"Item {i}: Mauerwerk, Leitung, Anstrich",
                           qty=Decimal(i % 37 + 1) / 4, unit="m2", unit_price=price,
                           item_type=kind, provis=provis,
                           long_text=None)
    data, _ = GAEBWriter.to_bytes(builder.build(), prog_system="bench")
    return data


def _url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'gaeb.sqlite3'}"
    _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)', f'CREATE DATABASE "{DATABASE}"')
    return make_url(POSTGRES).set(database=DATABASE).render_as_string(hide_password=False)


def _admin(*statements: str) -> None:
    admin = create_engine(make_url(POSTGRES).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def _tender(conn: Any, now: datetime) -> tuple[int, int, int, int]:
    stamps = {"created_at": now, "updated_at": now}
    gc = conn.execute(insert(Company).values(kind=CompanyKind.CONTRACTOR, name="Bench GC",
                                             country_code="NL", **stamps)
                      .returning(Company.id)).scalar_one()
    sub = conn.execute(insert(Company).values(kind=CompanyKind.SUBCONTRACTOR, name="Bench Sub",
                                              country_code="NL", **stamps)
                       .returning(Company.id)).scalar_one()
    project = conn.execute(insert(Project).values(company_id=gc, name="Bench", status="tender",
                                                  **stamps).returning(Project.id)).scalar_one()
    wp = conn.execute(insert(Workpackage).values(project_id=project, name="Rohbau", **stamps)
                      .returning(Workpackage.id)).scalar_one()
    rfp = conn.execute(insert(Rfp).values(
        workpackage_id=wp, project_id=project, company_id=sub, contractor_company_id=gc,
        status=RfpStatus.CALCULATING, status_shared=False, invited_at=now, **stamps)
        .returning(Rfp.id)).scalar_one()
    return gc, sub, wp, rfp


def _measure(step: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """(median wall seconds, median CPU seconds of this process, peak Python heap in MiB).
    Timed runs go without tracemalloc, which slows allocation-heavy code several times; one
    more run measures the heap. On a busy machine the CPU time is the steadier number."""
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), statistics.median(cpu), peak / 2**20


def run(backend: str, x83: bytes, x84: bytes, repeat: int, tmp: Path) -> dict[str, Any]:
    url = _url(backend, tmp)
    try:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        clock = FrozenClock()
        with engine.begin() as conn:
            gc, sub, wp_id, rfp_id = _tender(conn, clock.now())

        def ctx(company: int) -> RequestContext:
            return RequestContext(actor=Actor("contact", None, "Bench", company), clock=clock)

        def do_import() -> None:
            with sessions() as s, s.begin():
                import_bill(s, ctx(gc), s.get(Workpackage, wp_id), x83, parameter="file",
                            max_bytes=LIMIT)

        def do_export() -> None:
            with sessions() as s:
                export_x83(s, s.get(Workpackage, wp_id))

        def do_upload() -> None:
            with sessions() as s, s.begin():
                result = upload_x84(s, ctx(sub), sub, rfp_id, x84, parameter="file",
                                    max_bytes=LIMIT)
                assert result.unpriced == 0, result

        out = {"import X83": _measure(do_import, repeat),
               "export X83": _measure(do_export, repeat),
               "upload X84": _measure(do_upload, repeat)}
        engine.dispose()
        return out
    finally:
        if backend == "postgresql":
            _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    x83, x84 = bill(args.items, "X83"), bill(args.items, "X84")
    floor, floor_cpu, floor_mem = _measure(
        lambda: GAEBParser.parse_bytes(x83, filename="b.X83"), args.repeat)
    print(f"GAEB exchange, {args.items} items (X83 {len(x83) / 2**20:.1f} MiB, X84 "
          f"{len(x84) / 2**20:.1f} MiB), median of {args.repeat}")
    print(f"floor: pygaeb parse of the X83 alone {floor:.2f} s wall, {floor_cpu:.2f} s CPU, "
          f"heap peak {floor_mem:.0f} MiB")
    print(f"{'backend':<11} {'step':<11} {'wall s':>7} {'CPU s':>7} {'CPU × floor':>12} "
          f"{'CPU ms/item':>12} {'heap MiB':>9}")
    with tempfile.TemporaryDirectory(prefix="bidbridge-bench-gaeb-") as tmp:
        for backend in args.backends.split(","):
            found = run(backend, x83, x84, args.repeat, Path(tmp))
            for step, (seconds, cpu, heap) in found.items():
                print(f"{backend:<11} {step:<11} {seconds:>7.2f} {cpu:>7.2f} "
                      f"{cpu / floor_cpu:>12.2f} {cpu * 1000 / args.items:>12.3f} {heap:>9.0f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
