"""The issue's targets, checked against one run's medians: met, not met, or not measured."""

from __future__ import annotations

from dataclasses import dataclass

from bench.measure import Measurement
from bench.microbench import TokenCost
from bench.soak import Soak

SOAK_FLAT_MIB = 2.0  # "no growth": the largest worker may move by at most this much


@dataclass
class Check:
    backend: str
    target: str
    measured: str
    met: bool | None  # None: not measured
    scenario: str | None = None  # the scenario to profile when not met


def _find(results: list[Measurement], backend: str, scenario: str) -> Measurement | None:
    for m in results:
        if m.backend == backend and m.scenario == scenario and m.runs:
            return m
    return None


def _silent(m: Measurement) -> bool:
    """No answer at all within the runs: no latency to judge, and certainly not a target met."""
    return m.requests == 0


# Issue #10: (scenario prefix, PostgreSQL share of the floor, SQLite share), ratios alternated with
# the floor in the same run.
ISSUE10_SHARES = (("getMe", 0.10, 0.15), ("getRfp", 0.05, 0.10), ("getRfps page of 50", 0.03, 0.03))


def issue10(backend: str, results: list[Measurement], floor: Measurement | None) -> list[Check]:
    """The shares of the floor, SQLite's p99 ≤ 50 ms and getToken forceNew=0 p99 ≤ 50 ms."""
    checks: list[Check] = []
    for prefix, pg, lite in ISSUE10_SHARES:
        share = pg if backend == "postgresql" else lite
        m = next((r for r in results if r.backend == backend and r.runs
                  and (r.scenario == prefix or r.scenario.startswith(prefix + ","))), None)
        if m is None:
            continue
        ratio = m.floor_ratio
        if ratio is None and floor is not None and floor.rps:
            ratio = m.rps / floor.rps
        checks.append(Check(backend, f"{m.scenario} ≥ {share:.0%} of the floor",
                            "no floor" if ratio is None else f"{ratio:.1%}",
                            None if ratio is None else ratio >= share, m.scenario))
        if backend == "sqlite":
            checks.append(Check(backend, f"{m.scenario} p99 ≤ 50 ms at {m.connections} conns",
                                f"{m.p99_ms:.1f} ms", m.p99_ms <= 50, m.scenario))
    token = _find(results, backend, "getToken forceNew=0")
    if token:
        checks.append(Check(backend, f"getToken forceNew=0 p99 ≤ 50 ms at {token.connections} conns",
                            f"{token.p99_ms:.1f} ms", token.p99_ms <= 50, token.scenario))
    return checks


def evaluate(backend: str, results: list[Measurement], floor: Measurement | None,
             token: TokenCost | None, soak: Soak | None, rfps_sizes: list[str]) -> list[Check]:
    checks: list[Check] = issue10(backend, results, floor)

    rfp = _find(results, backend, "getRfp")
    if rfp and floor:
        ratio = rfp.rps / floor.rps
        checks.append(Check(backend, "getRfp ≥ 40% of floor rps",
                            f"{ratio:.0%} ({rfp.rps:.0f} / {floor.rps:.0f} rps)", ratio >= 0.4,
                            "getRfp"))
    else:
        checks.append(Check(backend, "getRfp ≥ 40% of floor rps", "not measured", None))

    if token:
        checks.append(Check(backend, "token verification ≤ 0.3 ms at p50",
                            f"{token.authenticate_p50_ms:.3f} ms", token.authenticate_p50_ms <= 0.3,
                            "getMe"))

    for force in ("0", "1"):
        name = f"getToken forceNew={force}"
        m = _find(results, backend, name)
        checks.append(Check(backend, f"{name} p99 ≤ 20 ms at 50 clients",
                            f"{m.p99_ms:.1f} ms (c={m.connections})" if m else "not measured",
                            (m.p99_ms <= 20) if m else None, name))

    small = _find(results, backend, rfps_sizes[0]) if rfps_sizes else None
    large = _find(results, backend, rfps_sizes[-1]) if rfps_sizes else None
    if small and large and small is not large:
        ratio = large.p99_ms / small.p99_ms if small.p99_ms else float("inf")
        checks.append(Check(backend, f"{large.scenario} p99 ≤ 1.5× {small.scenario} and ≤ 30 ms",
                            f"{large.p99_ms:.1f} ms = {ratio:.2f}× {small.p99_ms:.1f} ms",
                            ratio <= 1.5 and large.p99_ms <= 30, large.scenario))
    elif len(rfps_sizes) > 1:
        checks.append(Check(backend, "getRfps p99 flat with table size, ≤ 30 ms", "not measured",
                            None))

    proposal = next((m for m in results if m.backend == backend and m.runs
                     and m.scenario.startswith("submitProposal")), None)
    checks.append(Check(backend, "submitProposal (200 lines) p50 ≤ 60 ms",
                        f"{proposal.p50_ms:.1f} ms" if proposal else "not measured",
                        (proposal.p50_ms <= 60) if proposal else None,
                        proposal.scenario if proposal else None))

    document = next((m for m in results if m.backend == backend and m.runs
                     and m.scenario.startswith("getDocument")), None)
    if document:
        checks.append(Check(backend, "getDocument ≥ 300 MB/s, RSS growth ≤ 20 MB",
                            f"{document.mb_per_s:.0f} MB/s, +{document.rss_growth_mib:.1f} MiB",
                            document.mb_per_s >= 300 and document.rss_growth_mib <= 20,
                            document.scenario))
    else:
        checks.append(Check(backend, "getDocument ≥ 300 MB/s, RSS growth ≤ 20 MB", "not measured",
                            None))

    if soak and soak.samples:
        flat = soak.second_half_growth_mib <= SOAK_FLAT_MIB
        checks.append(Check(
            backend, f"RSS/worker ≤ 150 MB after {soak.target_requests:,} requests, flat 2nd half",
            f"{soak.final_rss_mib:.0f} MiB after {soak.requests:,}; "
            f"{soak.second_half_growth_mib:+.1f} MiB in 2nd half",
            soak.final_rss_mib <= 150 and flat and soak.requests >= soak.target_requests,
            None))
    for check in checks:
        scenario = next((m for m in results if m.backend == backend and m.scenario == check.scenario
                         and m.runs), None)
        if scenario is not None and _silent(scenario):
            check.met = False
            check.measured = "no request completed within the run"
    return checks
