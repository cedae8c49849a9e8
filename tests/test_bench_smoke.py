"""The benchmark harness in its smallest mode: it serves the floor and the platform, drives them,
and reports every scenario as measured or as missing. No timing is asserted, ever."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from bench import tendering
from bench.run import execute, parse
from rich.console import Console

from tests.conftest import POSTGRES_URL


def _admin_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database="postgres").render_as_string(hide_password=False)


@pytest.mark.live
def test_quickest_run_measures_every_present_scenario(backend: str, tmp_path: Path) -> None:
    checkout = hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:8]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    results = tmp_path / "RESULTS.md"
    opts = parse([
        "--quick", "--backends", backend, "--scenarios", "token,me,rfp,micro,soak",
        "--token-clients", "4", "--connections", "4", "--workers", "2", "--duration", "1",
        "--soak-requests", "50", "--proposal-lines", "5", "--warmup", "0.5", "--micro-calls", "100",
        "--no-profile",
        "--results", str(results),
        "--postgres-url", _admin_url(),
        "--postgres-database", f"bidbridge_bench_smoke_{checkout}_{worker}",
    ])
    report = execute(opts, "smoke", Console(file=open(os.devnull, "w"), width=160))  # noqa: SIM115

    assert not report.failed, report.notes
    measured = {m.scenario: m for m in report.results if not m.missing}
    assert {"getToken forceNew=0", "getToken forceNew=1", "getMe"} <= set(measured)
    for m in [*measured.values(), *report.floor.values()]:
        assert m.requests > 0, m.scenario
        assert m.errors == 0, f"{m.scenario} answered {m.errors} errors"
        assert m.peak_rss_mib > 10, m.scenario  # worker memory was read from /proc
    get_rfp = next(m for m in report.results if m.scenario == "getRfp")
    assert (get_rfp.missing is None) == (tendering.missing("getRfp") is None)
    assert report.tokens and report.tokens[0].calls == 100
    assert report.soaks[0].requests >= 50
    text = results.read_text()
    assert "Command: `smoke`" in text and "cores (`nproc`)" in text
    assert f"| {backend} | getMe | 4 |" in text


def test_cpu_per_call_drives_every_call_in_process(backend: str, tmp_path: Path) -> None:
    import asyncio

    from bench.cpu_per_call import measure

    checkout = hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:8]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    rows = asyncio.run(measure(backend, tmp_path, rfps=20, calls=3, repeats=1,
                               admin_url=_admin_url(),
                               database=f"bidbridge_bench_cpu_{checkout}_{worker}"))
    # Each call answered 200 (measure raises otherwise) and was timed.
    assert [label for label, _, _ in rows] == ["floor", "getMe", "getRfp", "getRfps page of 50",
                                              "getToken forceNew=0"]
    assert all(cpu >= 0 and wall > 0 for _, cpu, wall in rows)
