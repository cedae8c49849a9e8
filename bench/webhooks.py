"""Webhook delivery: events per second through the outbox to a local receiver, and delivery lag
(commit to arrival) at p50 and p99, for 1 and 4 `bidbridge worker` processes.

    .venv/bin/python -m bench.webhooks [--backends sqlite,postgresql] [--events 1000]
        [--rate 100] [--seconds 10] [--workers 1,4]

Throughput: a backlog of --events events (distinct subjects, so nothing waits for order) is
drained by the workers; events/s counts from the first arrival to the last. Lag: events are
written at --rate per second, one transaction each, while the workers run; lag is the receiver's
arrival time minus the writer's commit time. Workers run with their defaults (--batch 8,
--poll 0.5: an idle worker looks every 0.5 s, which bounds the lag from below).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bidbridge.db import make_engine, make_sessionmaker
from bidbridge.migrate import upgrade
from bidbridge.models import CompanyKind, WebhookDelivery
from bidbridge.services import accounts, api_access, events, webhooks
from bidbridge.services.context import Actor, RequestContext

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DATABASE = "bidbridge_bench_webhooks"
SECRET = "b" * 48
BIN = Path(sys.executable).parent


class Arrivals:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()


def _receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            now = time.monotonic()
            with arrivals.lock:
                arrivals.at.setdefault(self.headers["webhook-id"], now)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _url(backend: str, tmp: Path, tag: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'webhooks-{tag}.sqlite3'}"
    admin = create_engine(make_url(POSTGRES).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return make_url(POSTGRES).set(database=DATABASE).render_as_string(hide_password=False)


def _emit(sessions: Any, ctx: RequestContext, company_id: int, first: int, count: int) -> None:
    with sessions() as s, s.begin():
        for i in range(first, first + count):
            events.emit(s, ctx, "api_key.regenerated", company_id=company_id, subject_id=i,
                        payload={"keyPrefix": f"bb_{i:016x}", "createdAt": 0})


def measure(backend: str, workers: int, n_events: int, rate: float, seconds: float,
            tmp: Path) -> dict[str, float]:
    url = _url(backend, tmp, f"{workers}")
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    ctx = RequestContext(Actor.system("bench"))
    arrivals = Arrivals()
    server = _receiver(arrivals)
    port = server.server_address[1]
    with sessions() as s, s.begin():
        company = accounts.create_company(s, ctx, kind=CompanyKind.SUBCONTRACTOR, name="Bench")
        company_id = company.id
        api_access.activate_api(s, ctx, company)  # no webhooks for a company without the API
        webhooks.add_endpoint(s, ctx, webhooks.Sealer(SECRET), company_id,
                              url=f"http://127.0.0.1:{port}/hooks", event_types=[],
                              description=None)
    for first in range(0, n_events, 50):
        _emit(sessions, ctx, company_id, first, min(50, n_events - first))
    env = {**os.environ, "BIDBRIDGE_ENV": "test", "BIDBRIDGE_DATABASE_URL": url,
           "BIDBRIDGE_SECRET_KEY": SECRET, "BIDBRIDGE_PEPPER": SECRET,
           "BIDBRIDGE_DATA_DIR": str(tmp / "var"),
           "BIDBRIDGE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}
    procs = [subprocess.Popen([str(BIN / "bidbridge"), "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(workers)]
    try:
        deadline = time.monotonic() + 600
        while len(arrivals.at) < n_events and time.monotonic() < deadline:
            time.sleep(0.05)
        times = sorted(arrivals.at.values())
        throughput = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
        # Lag: one event per transaction at a steady rate while the workers run.
        committed: dict[str, float] = {}
        start = time.monotonic()
        i = n_events
        while time.monotonic() - start < seconds:
            with sessions() as s, s.begin():
                row = events.emit(s, ctx, "api_key.regenerated", company_id=company_id,
                                  subject_id=i, payload={"keyPrefix": "bb_x", "createdAt": 0})
                event_id = row.id
            committed[f"evt_{event_id}"] = time.monotonic()
            i += 1
            pause = start + (i - n_events) / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        deadline = time.monotonic() + 120
        while any(k not in arrivals.at for k in committed) and time.monotonic() < deadline:
            time.sleep(0.05)
        lags = sorted((arrivals.at[k] - t) * 1000 for k, t in committed.items()
                      if k in arrivals.at)
        # An arrival is seen before the worker records it: give the records a moment.
        deadline = time.monotonic() + 30
        while True:
            with sessions() as s:
                undelivered = s.scalar(select(func.count()).select_from(WebhookDelivery).where(
                    WebhookDelivery.status != "delivered"))
            if not undelivered or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        server.shutdown()
        engine.dispose()
    return {"events_per_s": throughput, "p50": statistics.median(lags),
            "p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))], "lag_n": len(lags),
            "undelivered": float(undelivered or 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", default="1,4")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    print(f"webhooks: {args.events} backlog events; lag at {args.rate:g} events/s for "
          f"{args.seconds:g} s; receiver on loopback answering 204 at once")
    print(f"{'backend':<11} {'workers':>7} {'events/s':>9} {'× 1 worker':>10} "
          f"{'lag p50 ms':>10} {'lag p99 ms':>10} {'undelivered':>11}")
    with tempfile.TemporaryDirectory(prefix="bidbridge-bench-") as tmp:
        for backend in args.backends.split(","):
            base = None
            for w in counts:
                r = measure(backend, w, args.events, args.rate, args.seconds, Path(tmp))
                base = base or r["events_per_s"]
                print(f"{backend:<11} {w:>7} {r['events_per_s']:9.0f} "
                      f"{r['events_per_s'] / base:10.2f} {r['p50']:10.0f} {r['p99']:10.0f} "
                      f"{int(r['undelivered']):>11}", flush=True)


if __name__ == "__main__":
    main()
