"""Worker memory over many requests: bounded chunks of load, with every worker's RSS read after
each chunk, until the requested number of requests has been served."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.loadgen import Load, run
from bench.server import Server


@dataclass
class Soak:
    backend: str
    function: str
    target_requests: int
    # (requests served so far, RSS of each worker in MiB)
    samples: list[tuple[int, list[float]]] = field(default_factory=list)
    errors: int = 0
    stopped_early: str | None = None

    @property
    def requests(self) -> int:
        return self.samples[-1][0] if self.samples else 0

    @property
    def final_rss_mib(self) -> float:
        return max(self.samples[-1][1], default=0.0) if self.samples else 0.0

    def rss_at_half_mib(self) -> float:
        """The largest worker's RSS at the first sample past half of the requests served."""
        half = self.requests / 2
        for served, rss in self.samples:
            if served >= half:
                return max(rss, default=0.0)
        return 0.0

    @property
    def second_half_growth_mib(self) -> float:
        return self.final_rss_mib - self.rss_at_half_mib()


def soak(server: Server, backend: str, function: str, load: Load, *, requests: int,
         chunk_s: float, max_s: float, workdir: Path, tool: str) -> Soak:
    result = Soak(backend=backend, function=function, target_requests=requests)
    result.samples.append((0, server.rss_mib()))
    served = 0
    started = time.monotonic()
    while served < requests:
        if time.monotonic() - started > max_s:
            result.stopped_early = f"stopped after {max_s:.0f}s at {served} requests"
            break
        chunk = run(replace(load, duration_s=chunk_s), workdir / backend / "soak", tool)
        served += chunk.requests
        result.errors += chunk.errors
        result.samples.append((served, server.rss_mib()))
    return result
