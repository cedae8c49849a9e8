"""The benchmark command: `python -m bench.run [--quick] [--backends ...] [--scenarios ...]`.

Starts the floor app and then the platform (on each backend) under uvicorn with several
workers, loads data, drives each scenario from a separate load-generator process, checks the
issue's targets, profiles the ones not met, prints a table and writes bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bench import loadgen, report, targets, tendering
from bench.loadgen import Load
from bench.measure import Measurement, measure, not_measured
from bench.microbench import token_cost
from bench.profile import record
from bench.scenarios import Plan, platform_scenarios
from bench.server import Server
from bench.setup_data import create_api_users, create_backend, get_token
from bench.soak import soak

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("token", "me", "rfp", "rfps", "proposal", "document", "micro", "soak")


@dataclass
class Options:
    backends: list[str]
    scenarios: set[str]
    workers: int
    connections: int
    token_clients: int
    duration_s: float
    warmup_s: float
    repeats: int
    rfp_sizes: list[int]
    document_mb: int
    proposal_lines: int
    soak_requests: int
    soak_max_s: float
    micro_calls: int
    loadgen: str
    profile: bool
    postgres_url: str
    postgres_database: str
    results: Path
    keep_workdir: bool
    append: bool
    pg_settings: dict[str, str]
    alternate_floor: bool = True


def _sizes(text: str) -> list[int]:
    return sorted({int(part.replace("_", "").replace("k", "000").replace("M", "000000"))
                   for part in text.split(",") if part.strip()})


def parse(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="short runs, one repeat, small data (1k/10k RFPs, 10 MB document, 5k "
                        "soak requests): shows the harness works, not how fast anything is")
    p.add_argument("--backends", default="postgresql,sqlite",
                   help="comma list of postgresql, sqlite (default: both)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help=f"comma list of {', '.join(SCENARIOS)} (default: all; the floor always runs)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                   help="uvicorn worker processes (default: nproc)")
    p.add_argument("--connections", type=int, default=16,
                   help="concurrent connections of the load generator (default 16)")
    p.add_argument("--token-clients", type=int, default=50,
                   help="concurrent getToken clients, each its own API user (default 50)")
    p.add_argument("--duration", type=float, help="seconds per measured run (default 10)")
    p.add_argument("--warmup", type=float, help="seconds of discarded warm-up per scenario "
                   "(default 2, quick 0.5)")
    p.add_argument("--micro-calls", type=int, help="calls of the token micro-benchmark "
                   "(default 3000, quick 500)")
    p.add_argument("--repeats", type=int, help="measured runs per scenario (default 3)")
    p.add_argument("--rfp-sizes", help="getRfps table sizes on PostgreSQL (default 10k,100k,1M)")
    p.add_argument("--document-mb", type=int, help="getDocument file size (default 100)")
    p.add_argument("--proposal-lines", type=int, default=200, help="priced lines (default 200)")
    p.add_argument("--soak-requests", type=int, help="requests of the RSS soak (default 100000)")
    p.add_argument("--soak-max-seconds", type=float, default=900,
                   help="upper bound on the soak's duration (default 900)")
    p.add_argument("--loadgen", choices=("wrk", "python"),
                   help="load generator (default: wrk when installed, else the asyncio client)")
    p.add_argument("--no-profile", action="store_true",
                   help="do not run py-spy on scenarios that miss their target")
    p.add_argument("--postgres-url", default=os.environ.get(
        "BIDBRIDGE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="an admin connection to the PostgreSQL server (env BIDBRIDGE_BENCH_POSTGRES_URL)")
    p.add_argument("--postgres-database", default="bidbridge_bench",
                   help="the benchmark database, dropped and created afresh (default bidbridge_bench)")
    p.add_argument("--postgres-setting", action="append", default=[], metavar="NAME=VALUE",
                   help="what-if experiment: set this on the benchmark database (repeatable), "
                        "e.g. synchronous_commit=off")
    p.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md",
                   help="where to write the results (default bench/RESULTS.md)")
    p.add_argument("--append", action="store_true",
                   help="add this run below the runs already in the results file")
    p.add_argument("--no-alternate-floor", action="store_true",
                   help="measure the floor once at the start instead of before every run")
    p.add_argument("--keep-workdir", action="store_true", help="keep logs, profiles and data")
    a = p.parse_args(argv)
    quick = a.quick
    scenarios = {s.strip() for s in a.scenarios.split(",") if s.strip()}
    unknown = scenarios - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenarios {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    backends = [b.strip() for b in a.backends.split(",") if b.strip()]
    if not set(backends) <= {"postgresql", "sqlite"}:
        p.error("--backends takes postgresql and/or sqlite")
    return Options(
        backends=backends, scenarios=scenarios, workers=a.workers, connections=a.connections,
        token_clients=a.token_clients,
        duration_s=a.duration or (2.0 if quick else 10.0),
        warmup_s=a.warmup if a.warmup is not None else (0.5 if quick else 2.0),
        repeats=a.repeats or (1 if quick else 3),
        rfp_sizes=_sizes(a.rfp_sizes or ("1k,10k" if quick else "10k,100k,1M")),
        document_mb=a.document_mb or (10 if quick else 100), proposal_lines=a.proposal_lines,
        soak_requests=a.soak_requests or (5_000 if quick else 100_000),
        soak_max_s=a.soak_max_seconds, micro_calls=a.micro_calls or (500 if quick else 3000),
        loadgen=a.loadgen or ("wrk" if loadgen.have_wrk() else "python"),
        profile=not a.no_profile, postgres_url=a.postgres_url,
        postgres_database=a.postgres_database, results=a.results, keep_workdir=a.keep_workdir,
        append=a.append, alternate_floor=not a.no_alternate_floor,
        pg_settings=dict(item.split("=", 1) for item in a.postgres_setting))


def floor_load(server: Server, connections: int, opts: Options) -> Load:
    return Load(url=server.base_url + "/floor", connections=connections,
                duration_s=opts.duration_s)


def run_floor(opts: Options, server: Server, workdir: Path, out: report.Report,
              console: Console) -> None:
    counts = {opts.connections}
    if "token" in opts.scenarios:
        counts.add(opts.token_clients)
    if "proposal" in opts.scenarios:
        counts.add(tendering.PROPOSAL_CONNECTIONS)
    if "document" in opts.scenarios:
        counts.add(tendering.DOCUMENT_CONNECTIONS)
    for connections in sorted(counts):
        console.print(f"[bold]floor[/] c={connections}")
        load = floor_load(server, connections, opts)
        out.floor[connections] = measure(server, "floor", "floor", load, repeats=opts.repeats,
                                         warmup_s=opts.warmup_s, workdir=workdir,
                                         tool=opts.loadgen)


def run_backend(name: str, opts: Options, workdir: Path, out: report.Report,
                console: Console, floor: Server) -> None:
    console.rule(f"[bold]{name}")
    backend = create_backend(name, workdir, admin_url=opts.postgres_url,
                             database=opts.postgres_database, pg_settings=opts.pg_settings)
    from bidbridge.services.runtime import Runtime

    runtime = Runtime.create(backend.settings())
    server = Server("bidbridge.asgi:app", opts.workers, backend.server_env(),
                    workdir / f"{name}.log")
    try:
        users = create_api_users(runtime, max(1, opts.token_clients))
        plan = Plan(opts=opts, backend=backend, runtime=runtime, users=users, console=console)
        plan.prepare()
        server.start(probe_path="/rest/subcontractor/v1/me")
        plan.token = get_token(server.base_url, users[0])
        results: list[Measurement] = []
        loads: dict[str, Load] = {}
        for scenario in platform_scenarios(plan, server.base_url):
            if scenario.missing:
                console.print(f"{scenario.name}: [yellow]{scenario.missing}")
                results.append(not_measured(scenario.name, name, scenario.missing))
                continue
            scenario.before()
            console.print(f"[bold]{scenario.name}[/] c={scenario.load.connections}")
            m = measure(server, scenario.name, name, scenario.load, repeats=opts.repeats,
                        warmup_s=0 if scenario.no_warmup else opts.warmup_s, workdir=workdir,
                        tool=opts.loadgen,
                        floor=(floor, floor_load(floor, scenario.load.connections, opts))
                        if opts.alternate_floor and scenario.name.startswith("get") else None)
            results.append(m)
            loads[scenario.name] = scenario.load
            console.print(f"  {m.rps:,.0f} req/s  p50 {m.p50_ms:.2f} ms  p99 {m.p99_ms:.2f} ms"
                          f"  peak RSS {m.peak_rss_mib:.0f} MiB  errors {m.errors}")
        out.results.extend(results)

        token = None
        if "micro" in opts.scenarios:
            console.print("[bold]token verification[/] (in-process)")
            token = token_cost(runtime, name, plan.token, opts.micro_calls)
            out.tokens.append(token)

        soaked = None
        if "soak" in opts.scenarios:
            console.print(f"[bold]soak[/] {opts.soak_requests:,} getMe requests")
            load = Load(url=server.base_url + "/rest/subcontractor/v1/me",
                        headers={"X-Auth-Token": plan.token}, connections=opts.connections)
            soaked = soak(server, name, "getMe", load, requests=opts.soak_requests,
                          chunk_s=min(10.0, opts.duration_s * 2), max_s=opts.soak_max_s,
                          workdir=workdir, tool=opts.loadgen)
            out.soaks.append(soaked)

        checks = targets.evaluate(name, results, out.floor_for(opts.connections), token, soaked,
                                  plan.rfps_scenarios)
        out.checks.extend(checks)
        if opts.profile:
            for check in checks:
                if check.met is False and check.scenario in loads:
                    console.print(f"[bold]profiling[/] {check.scenario}")
                    out.profiles.append(record(server, check.scenario, name,
                                               loads[check.scenario], ROOT / "bench" / "out",
                                               opts.loadgen))
        out.notes.extend(plan.notes)
    finally:
        server.stop()
        runtime.close()
        backend.drop()


def execute(opts: Options, command: str, console: Console) -> report.Report:
    """Run everything ``opts`` asks for, write the results file and return the report."""
    out = report.Report(command=command, workers=opts.workers, loadgen=opts.loadgen,
                        duration_s=opts.duration_s, repeats=opts.repeats)
    workdir = Path(tempfile.mkdtemp(prefix="bidbridge-bench-"))
    try:
        with Server("bench.floor_app:app", opts.workers, {}, workdir / "floor.log") as floor:
            floor.start()
            run_floor(opts, floor, workdir, out, console)
            for name in opts.backends:
                try:
                    run_backend(name, opts, workdir, out, console, floor)
                except Exception as exc:  # one backend failing must not lose the other's numbers
                    console.print_exception()
                    out.notes.append(f"the {name} run failed: {exc.__class__.__name__}: {exc}")
                    out.failed = True
        report.print_table(out, console)
        report.write(out, opts.results, append=opts.append)
        console.print(f"results written to {opts.results}")
    finally:
        if opts.keep_workdir:
            console.print(f"logs and data kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    opts = parse(args)
    console = Console() if sys.stdout.isatty() else Console(width=180)
    out = execute(opts, " ".join(["python -m bench.run", *(shlex.quote(a) for a in args)]),
                  console)
    return 1 if out.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
