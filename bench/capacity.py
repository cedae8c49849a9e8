"""CPU cost per request of the hot functions, for the capacity model (docs/scaling.md):
`python -m bench.capacity [bench.run options]`, PostgreSQL only.

On a shared, noisy machine requests/s say little about what one core can do; CPU seconds do.
For each scenario this runs the load once (after a warm-up) and reads, from /proc through
psutil, the CPU time (user + system) the server's workers and this database's PostgreSQL
backends spent meanwhile. Requests per second per core = 1000 / (CPU ms per request). Writes
bench/CAPACITY.md. Other databases' backends and other processes are not counted; the load
generator is not counted either.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil
from rich.console import Console

from bench.loadgen import Load, run
from bench.report import machine
from bench.run import ROOT, Options, parse
from bench.scenarios import Plan, platform_scenarios
from bench.server import Server
from bench.setup_data import create_api_users, create_backend, get_token

RESULTS = ROOT / "bench" / "CAPACITY.md"


@dataclass
class Cost:
    scenario: str
    connections: int
    requests: int
    errors: int
    rps: float
    app_cpu_ms: float  # per request, all workers together
    db_cpu_ms: float  # per request, this database's PostgreSQL backends

    @property
    def per_app_core(self) -> float:
        return 1000 / self.app_cpu_ms if self.app_cpu_ms else 0.0

    @property
    def per_db_core(self) -> float:
        return 1000 / self.db_cpu_ms if self.db_cpu_ms else 0.0


def _cpu(pids: list[int]) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            seconds[pid] = times.user + times.system
        except psutil.Error:
            continue
    return seconds


def _backends(database: str) -> list[int]:
    """PostgreSQL backends serving ``database`` (their title names it: `postgres: … user db …`)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if cmd.startswith("postgres:") and f" {database} " in cmd:
            found.append(proc.pid)
    return found


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    # A process that appeared during the run counts from zero; one that ended is lost (rare:
    # pooled connections live for the whole run).
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def measure_cost(server: Server, database: str, name: str, load: Load, opts: Options,
                 workdir: Path) -> Cost:
    work = workdir / name.replace(" ", "_").replace("/", "_")
    run(Load(**{**load.__dict__, "duration_s": opts.warmup_s}), work, opts.loadgen)
    app_before, db_before = _cpu(server.worker_pids()), _cpu(_backends(database))
    result = run(load, work, opts.loadgen)
    app_after, db_after = _cpu(server.worker_pids()), _cpu(_backends(database))
    requests = max(1, result.requests)
    return Cost(name, load.connections, result.requests, result.errors, result.rps,
                _spent(app_before, app_after) * 1000 / requests,
                _spent(db_before, db_after) * 1000 / requests)


def write(costs: list[Cost], opts: Options, command: str) -> None:
    info = machine()
    lines = [
        "# CPU cost per request (capacity model input)", "",
        f"Command: `{command}`  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  ",
        f"Machine: {info['nproc']} cores, {info['cpu']}; {opts.workers} uvicorn workers; "
        f"{info['postgresql client']}; one {opts.duration_s:.0f} s run per scenario "
        "after a warm-up.", "",
        "CPU time is read from /proc for the server's workers and for this database's "
        "PostgreSQL backends only, so other work on the machine changes it far less than it "
        "changes requests/s (it still does somewhat: shared caches, frequency). "
        "`req/s per core` = 1000 / CPU ms per request. Used by docs/scaling.md.", "",
        "| scenario | conns | requests | errors | req/s (this machine) | app CPU ms/req | "
        "PostgreSQL CPU ms/req | req/s per app core | req/s per PostgreSQL core |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in costs:
        lines.append(f"| {c.scenario} | {c.connections} | {c.requests:,} | {c.errors} | "
                     f"{c.rps:,.0f} | {c.app_cpu_ms:.2f} | {c.db_cpu_ms:.2f} | "
                     f"{c.per_app_core:,.0f} | {c.per_db_core:,.0f} |")
    RESULTS.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    opts = parse(args)
    console = Console(width=160)
    command = " ".join(["python -m bench.capacity", *(shlex.quote(a) for a in args)])
    workdir = Path(tempfile.mkdtemp(prefix="bidbridge-capacity-"))
    backend = create_backend("postgresql", workdir, admin_url=opts.postgres_url,
                             database=opts.postgres_database, pg_settings=opts.pg_settings)
    from bidbridge.services.runtime import Runtime

    runtime = Runtime.create(backend.settings())
    server = Server("bidbridge.asgi:app", opts.workers, backend.server_env(),
                    workdir / "server.log")
    costs: list[Cost] = []
    try:
        users = create_api_users(runtime, max(1, opts.token_clients))
        plan = Plan(opts=opts, backend=backend, runtime=runtime, users=users, console=console)
        plan.prepare()
        server.start(probe_path="/rest/subcontractor/v1/me")
        plan.token = get_token(server.base_url, users[0])
        for scenario in platform_scenarios(plan, server.base_url):
            if scenario.missing or scenario.load is None:
                continue
            scenario.before()
            cost = measure_cost(server, backend.database or "", scenario.name, scenario.load,
                                opts, workdir)
            costs.append(cost)
            console.print(f"{cost.scenario}: {cost.rps:,.0f} req/s, app {cost.app_cpu_ms:.2f} "
                          f"ms/req, PostgreSQL {cost.db_cpu_ms:.2f} ms/req, errors {cost.errors}")
        write(costs, opts, command)
        console.print(f"written to {RESULTS}")
    finally:
        server.stop()
        runtime.close()
        backend.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
