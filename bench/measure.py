"""Repeated runs of one load against one server, summarised as medians, with worker memory."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.loadgen import Load, Result, run
from bench.server import Server


@dataclass
class Measurement:
    """The repeats of one scenario on one backend; every figure quoted is a median of repeats."""

    scenario: str
    backend: str
    connections: int
    runs: list[Result] = field(default_factory=list)
    floor_runs: list[Result] = field(default_factory=list)  # the floor, alternated with ``runs``
    rss_before_mib: float = 0.0  # the largest worker, before the first measured run
    rss_after_mib: float = 0.0  # the largest worker, after the last run
    peak_rss_mib: float = 0.0  # the largest VmHWM of any worker during the runs
    missing: str | None = None  # why the scenario was not measured
    note: str = ""

    def _median(self, attr: str) -> float:
        values = [getattr(r, attr) for r in self.runs]
        return statistics.median(values) if values else 0.0

    @property
    def rps(self) -> float:
        return self._median("rps")

    @property
    def p50_ms(self) -> float:
        return self._median("p50_ms")

    @property
    def p99_ms(self) -> float:
        return self._median("p99_ms")

    @property
    def mb_per_s(self) -> float:
        return self._median("mb_per_s")

    @property
    def floor_ratio(self) -> float | None:
        """The median of each run's requests/s over the floor run just before it, or None when
        the floor was not alternated with this scenario."""
        pairs = [r.rps / f.rps for r, f in zip(self.runs, self.floor_runs, strict=False) if f.rps]
        return statistics.median(pairs) if pairs else None

    @property
    def floor_p99_ms(self) -> float:
        return statistics.median([f.p99_ms for f in self.floor_runs]) if self.floor_runs else 0.0

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def rss_growth_mib(self) -> float:
        return self.peak_rss_mib - self.rss_before_mib


def not_measured(scenario: str, backend: str, why: str) -> Measurement:
    return Measurement(scenario=scenario, backend=backend, connections=0, missing=why)


def measure(server: Server, scenario: str, backend: str, load: Load, *, repeats: int,
            warmup_s: float, workdir: Path, tool: str,
            floor: tuple[Server, Load] | None = None) -> Measurement:
    """A short warm-up run (discarded), then ``repeats`` measured runs; with ``floor``, each run
    is preceded by a run of the same shape against the floor server, so that the ratio of a pair
    is taken under the same background load."""
    work = workdir / backend / scenario.replace(" ", "_").replace("/", "_")
    if warmup_s > 0:
        run(replace(load, duration_s=warmup_s), work, tool)
    result = Measurement(scenario=scenario, backend=backend, connections=load.connections)
    result.rss_before_mib = max(server.rss_mib(), default=0.0)
    server.reset_peaks()
    for _ in range(repeats):
        if floor is not None:
            _server, floor_load = floor
            shaped = replace(floor_load, connections=load.connections, duration_s=load.duration_s)
            result.floor_runs.append(run(shaped, work / "floor", tool))
        result.runs.append(run(load, work, tool))
    result.peak_rss_mib = max(server.peak_rss_mib(), default=0.0)
    result.rss_after_mib = max(server.rss_mib(), default=0.0)
    if not server.can_reset_peaks:
        result.note = "peak RSS is since worker start (clear_refs refused)"
    return result
