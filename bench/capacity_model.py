"""The capacity model of docs/scaling.md, computed from bench/CAPACITY.md:
`python -m bench.capacity_model [--scale 1,10,100] [--capacity bench/CAPACITY.md]`.

The load is written down below as explicit assumptions (calls per second by function); the CPU
milliseconds per call come from the measured table. Prints Markdown to paste into the doc.
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

INTEGRATIONS = 20_000
SYNC_INTERVAL_S = 300
ESTIMATORS = 2_000
PEAK_FACTOR = 2.0  # busiest hour over the working-day average
NODE_CORES = 4
TARGET_UTILISATION = 0.6  # headroom for bursts and for losing a node
REDIS_OPS_PER_CALL = 2  # token and company budget counters, per authenticated API call
# Seconds a call holds a PostgreSQL connection (its transaction, then the log row): an assumption
# of 20 ms, above the measured CPU per call, for the round trips' waits.
HOLD_S = 0.020
WORKERS_PER_NODE = NODE_CORES
POOL_CEILING_PER_WORKER = 20  # pool_size 10 + max_overflow 10 (db.make_engine)


@dataclass(frozen=True)
class Traffic:
    """One kind of call: how often, and which measured scenario's cost it is charged."""

    what: str
    per_second: float
    measured_as: str
    cost_factor: float = 1.0  # > 1 where the call is not benched and is estimated from another
    note: str = ""
    api: bool = True  # an API call: a request-log row and two Redis counters


def traffic() -> list[Traffic]:
    syncs = INTEGRATIONS / SYNC_INTERVAL_S
    changed = 0.15  # changed RFPs per sync (10% of syncs see a change, 1.5 RFPs each)
    return [
        Traffic("getRfps (one page per sync, updatedSince)", syncs, "getRfps page of 50, 10k RFPs"),
        Traffic("getRfp + getDocuments + getMessages of changed RFPs", syncs * changed * 3,
                "getRfp"),
        Traffic("getToken (cached for its hour)", INTEGRATIONS / 3600, "getToken forceNew=0"),
        Traffic("submitProposal / respondToRfp by integrations", 2.0, "submitProposal 200 lines"),
        Traffic("web pages (an estimator every 20 s)", ESTIMATORS / 20, "getRfp", 1.5,
                "not benched: 1.5 × getRfp for the template", api=False),
        Traffic("budget-line autosaves (half the estimators, every 10 s)", ESTIMATORS / 2 / 10,
                "getRfp", 1.5, "not benched: 1.5 × getRfp for the write", api=False),
    ]


def read_costs(path: Path) -> dict[str, tuple[float, float]]:
    """scenario → (app CPU ms, PostgreSQL CPU ms) per request, from bench/CAPACITY.md."""
    costs = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 9 and re.fullmatch(r"[\d.]+", cells[5]):
            costs[cells[0]] = (float(cells[5]), float(cells[6]))
    if not costs:
        raise SystemExit(f"no cost table in {path}: run python -m bench.capacity first")
    return costs


def model(costs: dict[str, tuple[float, float]], scale: float) -> dict[str, float]:
    calls = api_calls = app_ms = db_ms = 0.0
    for t in traffic():
        app, db = costs[t.measured_as]
        rate = t.per_second * scale
        calls += rate
        api_calls += rate if t.api else 0.0
        app_ms += rate * app * t.cost_factor
        db_ms += rate * db * t.cost_factor
    peak = PEAK_FACTOR
    app_cores = app_ms * peak / 1000
    nodes = math.ceil(app_cores / (NODE_CORES * TARGET_UTILISATION)) + 1  # N+1
    per_node = calls * peak / max(1, nodes - 1)  # with one node down
    return {"calls": calls, "peak_calls": calls * peak, "app_cores": app_cores,
            "db_cores": db_ms * peak / 1000, "nodes": nodes,
            "conns_node": per_node * HOLD_S,
            "conns_ceiling": nodes * WORKERS_PER_NODE * POOL_CEILING_PER_WORKER,
            # 12 working hours at the average, 12 quiet ones at a tenth of it
            "log_rows_day": api_calls * 12 * 3600 * 1.1,
            "redis_ops": api_calls * peak * REDIS_OPS_PER_CALL}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--capacity", type=Path, default=ROOT / "bench" / "CAPACITY.md")
    parser.add_argument("--scale", default="1,10,100")
    args = parser.parse_args()
    costs = read_costs(args.capacity)
    print("| calls | per second (×1) | charged as | app CPU ms | PostgreSQL CPU ms |")
    print("|---|---|---|---|---|")
    for t in traffic():
        app, db = costs[t.measured_as]
        extra = f" × {t.cost_factor} ({t.note})" if t.note else ""
        print(f"| {t.what} | {t.per_second:,.1f} | {t.measured_as}{extra} | "
              f"{app * t.cost_factor:.2f} | {db * t.cost_factor:.2f} |")
    print()
    print("| load | calls/s (average) | calls/s (peak) | app cores (peak) | "
          f"{NODE_CORES}-core nodes (≤{TARGET_UTILISATION:.0%}, N+1) | PostgreSQL cores (peak) | "
          "PostgreSQL connections in use per node (peak) | pool ceiling, all nodes | "
          "request-log rows/day | Redis ops/s (peak) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for scale in (float(s) for s in args.scale.split(",")):
        m = model(costs, scale)
        print(f"| ×{scale:g} | {m['calls']:,.0f} | {m['peak_calls']:,.0f} | "
              f"{m['app_cores']:,.1f} | {m['nodes']:,} | {m['db_cores']:,.1f} | "
              f"{m['conns_node']:,.1f} | {m['conns_ceiling']:,} | "
              f"{m['log_rows_day'] / 1e6:,.1f} M | {m['redis_ops']:,.0f} |")


if __name__ == "__main__":
    main()
