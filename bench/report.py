"""The results: a table on the terminal, and bench/RESULTS.md with the command, the machine and
the date beside the numbers."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.measure import Measurement
from bench.microbench import TokenCost
from bench.profile import Profile
from bench.soak import Soak
from bench.targets import Check

NOISE_NOTE = (
    "The machine is shared and noisy: 2 cores, with the load generator, the server workers and "
    "the database on the same cores, and other developers' test suites running at the same "
    "time. Every figure is the median of the repeated runs; compare ratios to the floor measured "
    "in the same run rather than absolute numbers across runs. No number is asserted in a test."
)


@dataclass
class Report:
    command: str
    workers: int
    loadgen: str
    duration_s: float
    repeats: int
    floor: dict[int, Measurement] = field(default_factory=dict)  # by connection count
    results: list[Measurement] = field(default_factory=list)
    tokens: list[TokenCost] = field(default_factory=list)
    soaks: list[Soak] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: bool = False
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def floor_for(self, connections: int) -> Measurement | None:
        return self.floor.get(connections)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    postgres = "unknown"
    with contextlib.suppress(OSError):
        postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True,
                                  timeout=5, check=False).stdout.strip() or postgres
    return {"nproc": str(os.cpu_count()), "memory": memory, "cpu": cpu,
            "python": platform.python_version(), "kernel": platform.release(),
            "postgresql client": postgres}


def _row(m: Measurement, floor: Measurement | None) -> list[str]:
    if m.missing:
        return [m.backend, m.scenario, "—", "—", "—", "—", "—", "—", m.missing]
    ratio = "—"  # no floor measured at this connection count
    if m.floor_ratio is not None and m is not floor:
        ratio = f"{m.floor_ratio:.3f} (alt.)"
    elif floor and floor.rps:
        ratio = f"{m.rps / floor.rps:.2f}"
    notes = []
    if m.scenario.startswith("getDocument"):
        notes.append(f"{m.mb_per_s:.0f} MB/s, RSS +{m.rss_growth_mib:.1f} MiB")
    if m.errors:
        notes.append(f"{m.errors} errors!")
    if m.floor_runs and m is not floor:  # each run over the floor run just before it
        notes.append("pairs " + ", ".join(f"{r.rps:,.0f}/{f.rps:,.0f}" for r, f in
                                          zip(m.runs, m.floor_runs, strict=False)))
    if m.note:
        notes.append(m.note)
    return [m.backend, m.scenario, str(m.connections), f"{m.rps:,.0f}", f"{m.p50_ms:.2f}",
            f"{m.p99_ms:.2f}", ratio, f"{m.peak_rss_mib:.0f}", "; ".join(notes)]


HEADERS = ["backend", "scenario", "conns", "req/s", "p50 ms", "p99 ms", "× floor",
           "peak RSS/worker MiB", "notes"]


def rows(report: Report) -> list[list[str]]:
    out = [_row(m, m) for m in report.floor.values()]
    out += [_row(m, report.floor_for(m.connections)) for m in report.results]
    return out


def print_table(report: Report, console: Console) -> None:
    table = Table(title=f"bidbridge benchmark — {report.workers} workers, load by {report.loadgen}")
    for header in HEADERS:
        table.add_column(header, justify="right" if header not in ("backend", "scenario", "notes")
                         else "left")
    for row in rows(report):
        table.add_row(*row)
    console.print(table)
    targets = Table(title="targets")
    for header in ("backend", "target", "measured", "met"):
        targets.add_column(header)
    for check in report.checks:
        targets.add_row(check.backend, check.target, check.measured, _met(check.met))
    console.print(targets)


def _met(met: bool | None) -> str:
    return "not measured" if met is None else ("met" if met else "NOT MET")


def _md_table(headers: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]
    return "\n".join(lines)


def markdown(report: Report) -> str:
    info = machine()
    parts = [
        "# bidbridge benchmark results",
        "",
        f"Command: `{report.command}`  ",
        f"Date: {report.started:%Y-%m-%d %H:%M} UTC  ",
        f"Machine: {info['nproc']} cores (`nproc`), {info['memory']} memory, {info['cpu']}; "
        f"Linux {info['kernel']}; Python {info['python']}; {info['postgresql client']}  ",
        f"Server: uvicorn, {report.workers} worker processes, loopback only, access log off; "
        f"load by {report.loadgen} in its own process; {report.repeats} × {report.duration_s:g} s "
        "per scenario after a short warm-up.",
        "",
        NOISE_NOTE,
        "",
        "## Throughput and latency",
        "",
        "`× floor` divides a scenario's requests/s by the floor's at the same connection count; "
        "`(alt.)` marks the median of paired ratios, each run preceded by a floor run of the same "
        "shape in the same minute. "
        "Peak RSS is the largest VmHWM of any worker during the scenario (reset before it). "
        "RSS is in MiB; the targets' MB are read as MiB.",
        "",
        _md_table(HEADERS, rows(report)),
        "",
        "## Targets",
        "",
        _md_table(["backend", "target", "measured", "result"],
                  [[c.backend, c.target, c.measured, _met(c.met)] for c in report.checks]),
    ]
    if report.tokens:
        parts += ["", "## Token verification (in-process micro-benchmark)", "",
                  "`services.tokens.authenticate` timed inside an open transaction whose "
                  "connection is already checked out, beside a bare `SELECT 1` through the same "
                  "session: the difference is the work besides one database round trip. The last "
                  "column is what every call pays afterwards for its request-log row (its own "
                  "transaction and commit).", "",
                  _md_table(["backend", "calls", "authenticate p50 ms", "authenticate p99 ms",
                             "SELECT 1 p50 ms", "besides the round trip ms",
                             "request-log row p50 ms"],
                            [[t.backend, str(t.calls), f"{t.authenticate_p50_ms:.3f}",
                              f"{t.authenticate_p99_ms:.3f}", f"{t.select1_p50_ms:.3f}",
                              f"{t.cpu_part_p50_ms:.3f}", f"{t.log_row_p50_ms:.3f}"]
                             for t in report.tokens])]
    for soak in report.soaks:
        parts += ["", f"## Worker RSS over {soak.target_requests:,} {soak.function} requests "
                  f"({soak.backend})", "",
                  _md_table(["requests served", "RSS per worker MiB"],
                            [[f"{served:,}", ", ".join(f"{r:.1f}" for r in rss)]
                             for served, rss in soak.samples])]
        if soak.stopped_early:
            parts.append(f"\n{soak.stopped_early}")
    for profile in report.profiles:
        parts += ["", f"## Profile: {profile.scenario} ({profile.backend})", ""]
        if profile.error:
            parts.append(f"py-spy failed: {profile.error}")
            continue
        parts += [f"py-spy, one worker, {profile.samples} samples of busy threads; raw stacks in "
                  f"`{profile.raw_path.name}`.", "",
                  _md_table(["self time (leaf frame)", "%"], [[f, str(p)] for f, p in
                                                              profile.self_top]), "",
                  _md_table(["inclusive (on the stack)", "%"],
                            [[f, str(p)] for f, p in profile.inclusive_top])]
    if report.notes:
        parts += ["", "## Notes", ""] + [f"- {n}" for n in report.notes]
    return "\n".join(parts) + "\n"


def write(report: Report, path: Path, append: bool = False) -> None:
    """Write the results; with ``append``, add this run below the runs already in the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = markdown(report)
    if append and path.exists():
        body = text.split("\n", 1)[1].replace("\n## ", "\n### ")
        text = path.read_text().rstrip() + "\n\n---\n\n## Another run\n" + body
    path.write_text(text)
