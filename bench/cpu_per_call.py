"""What one call costs the server's process, in CPU time: the request path without the noise.

    .venv/bin/python -m bench.cpu_per_call [--backends sqlite,postgresql] [--calls 2000]
                                           [--rfps 10000] [--repeats 5] [--only getMe]
                                           [--postgres-database NAME]

The platform's ASGI app is driven in this process, one call after another (no network, no load
generator, no second worker), and the process's CPU time per call is read with
``time.process_time`` — which a busy shared machine inflates far less than wall-clock
throughput. The floor (``bench/floor_app.py``) is driven the same way in the same run, as the
cost of the driver itself. Reported: the median over ``--repeats`` of CPU µs per call and of wall
µs per call. How to read it against bench.run's shares: the uvicorn floor answers ~20,000 req/s
on this machine's 2 workers, ~100 µs per request per core for HTTP alone, so a share of 10 % of
the floor leaves a call ~1 ms of CPU per core in all — this process's part plus the database
server's. On PostgreSQL the server's own CPU is not in the figure (another process); on SQLite it
is. ``--profile getMe`` prints cProfile's view of the event loop thread instead (the worker
thread's part is best seen with ``py-spy record -f raw -- python -m bench.cpu_per_call``). A
benchmark, never a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import floor_app, tendering
from bench.run import parse
from bench.scenarios import Plan
from bench.setup_data import Backend, create_api_users, create_backend, token_body
from bidbridge.app import create_app
from bidbridge.config import Settings
from bidbridge.services.runtime import Runtime

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
API = "/rest/subcontractor/v1"


async def _call(app: Asgi, method: str, path: str, headers: list[tuple[bytes, bytes]],
                body: bytes = b"") -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"bench"), *headers],
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 80)}
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _per_call(app: Asgi, request: tuple[str, str, list[tuple[bytes, bytes]], bytes],
                    calls: int) -> tuple[float, float]:
    """(CPU µs, wall µs) per call over ``calls`` sequential calls."""
    method, path, headers, body = request
    status, answer = await _call(app, method, path, headers, body)  # warm
    if status != 200:
        raise RuntimeError(f"{method} {path} answered {status}: {answer[:300]!r}")
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        await _call(app, method, path, headers, body)
    return ((time.process_time() - cpu) / calls * 1e6,
            (time.perf_counter() - wall) / calls * 1e6)


def _settings(backend: Backend) -> Settings:
    """The servers' production settings, rate limits off as in bench.run."""
    return backend.settings().model_copy(update={"rate_limit_token_requests": 0,
                                                  "rate_limit_company_requests": 0})


def _setup(name: str, workdir: Path, rfps: int, admin_url: str | None, database: str
           ) -> tuple[Backend, Runtime, Plan]:
    opts = parse(["--backends", name, "--scenarios", "me,rfp,rfps", "--rfp-sizes", str(rfps)])
    backend = create_backend(name, workdir, admin_url=admin_url or opts.postgres_url,
                             database=database)
    runtime = Runtime.create(_settings(backend))
    users = create_api_users(runtime, 1)
    plan = Plan(opts=opts, backend=backend, runtime=runtime, users=users, console=Console())
    plan.prepare()
    tendering.grow_rfps(plan, rfps)
    return backend, runtime, plan


async def measure(name: str, workdir: Path, rfps: int, calls: int, repeats: int,
                  profile: str | None = None, admin_url: str | None = None,
                  database: str = "bidbridge_bench_cpu", only: str | None = None
                  ) -> list[tuple[str, float, float]]:
    """[(call, CPU µs per call, wall µs per call)], the floor first."""
    backend, runtime, plan = _setup(name, workdir, rfps, admin_url, database)
    app = create_app(_settings(backend), runtime=runtime)
    try:
        form = [(b"content-type", b"application/x-www-form-urlencoded")]
        status, answer = await _call(app, "POST", API + "/tokens", form,
                                     token_body(plan.users[0], False))
        if status != 200:
            raise RuntimeError(f"getToken answered {status}: {answer[:300]!r}")
        token = answer.split(b'"token":"', 1)[1].split(b'"', 1)[0]
        auth = [(b"x-auth-token", token)]
        cases: list[tuple[str, Asgi, tuple[str, str, list[tuple[bytes, bytes]], bytes]]] = [
            ("floor", floor_app.app, ("GET", "/", [], b"")),
            ("getMe", app, ("GET", API + "/me", auth, b"")),
            ("getRfp", app, ("GET", f"{API}/rfps/{plan.data.rfp_id}", auth, b"")),
            ("getRfps page of 50", app, ("POST", API + "/rfps", [*auth, *form],
                                    b"limit=50")),
            ("getToken forceNew=0", app, ("POST", API + "/tokens", form,
                                          token_body(plan.users[0], False))),
        ]
        if only:  # e.g. one call alone under py-spy
            cases = [c for c in cases if c[0] in ("floor", only)]
        if profile:
            import cProfile
            import pstats
            label, target, request = next(c for c in cases if c[0] == profile)
            # BENCH_TIMER=cpu: the process's CPU time, not the wall clock (waits on the
            # database's socket then count for nothing)
            timer = time.process_time if os.environ.get("BENCH_TIMER") == "cpu" else None
            with (cProfile.Profile(timer) if timer else cProfile.Profile()) as prof:
                await _per_call(target, request, calls)
            # BENCH_SORT=cumulative BENCH_TOP=90 for the inclusive view
            pstats.Stats(prof).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(
                int(os.environ.get("BENCH_TOP", "45")))
            return []
        runs: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in cases}
        for _ in range(repeats):  # alternated, so a noisy moment hits every case alike
            for label, target, request in cases:
                runs[label].append(await _per_call(target, request, calls))
        return [(label, statistics.median(c for c, _ in found),
                 statistics.median(w for _, w in found)) for label, found in runs.items()]
    finally:
        runtime.close()
        backend.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rfps", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", metavar="CALL",
                        help="instead: cProfile CALL (e.g. getMe) and print where its time goes")
    parser.add_argument("--postgres-database", default="bidbridge_bench_cpu",
                        help="the PostgreSQL database it drops and recreates (use one of your "
                             "own on a shared machine)")
    parser.add_argument("--only", metavar="CALL",
                        help="measure the floor and CALL alone (e.g. getMe; for py-spy)")
    args = parser.parse_args()
    for name in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="bidbridge-cpu-") as tmp:
            rows = asyncio.run(measure(name, Path(tmp), args.rfps, args.calls, args.repeats,
                                        args.profile, database=args.postgres_database,
                                        only=args.only))
        if not rows:
            continue
        print(f"\n{name}: {args.calls} sequential calls in-process, median of {args.repeats}")
        print(f"{'call':22} {'CPU µs/call':>12} {'wall µs/call':>13}")
        for label, cpu, wall in rows:
            print(f"{label:22} {cpu:12.0f} {wall:13.0f}")


if __name__ == "__main__":
    main()
