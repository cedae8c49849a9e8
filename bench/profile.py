"""Where a worker's time goes: py-spy samples one worker while the load runs, and the samples
are folded into the functions that hold the most time (self and inclusive)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.loadgen import Load, run
from bench.server import Server

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


@dataclass
class Profile:
    scenario: str
    backend: str
    samples: int
    raw_path: Path
    self_top: list[tuple[str, float]] = field(default_factory=list)
    inclusive_top: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


def _short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path})"


def fold(raw: str, top: int = 14) -> tuple[int, list[tuple[str, float]], list[tuple[str, float]]]:
    """(samples, top self frames, top inclusive frames of our own code and the libraries)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_short(f) for f in stack.split(";")]
        own[frames[-1]] += count
        for frame in set(frames):
            if "threading.py" in frame or "concurrent/futures" in frame or frame.startswith("<module>"):
                continue
            inclusive[frame] += count
    if not total:
        return 0, [], []
    pct = lambda c: round(100 * c / total, 1)  # noqa: E731
    return (total, [(f, pct(c)) for f, c in own.most_common(top)],
            [(f, pct(c)) for f, c in inclusive.most_common(top)])


def record(server: Server, scenario: str, backend: str, load: Load, workdir: Path,
           tool: str) -> Profile:
    """Run ``load`` once while py-spy samples the first worker."""
    out = workdir / "profiles" / f"{backend}-{scenario.replace(' ', '_')}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = py_spy()
    pids = server.worker_pids()
    if spy is None or not pids:
        return Profile(scenario, backend, 0, out, error="py-spy or a worker is missing")
    command = [spy, "record", "--pid", str(pids[0]), "--duration", str(int(load.duration_s)),
               "--rate", "200", "--format", "raw", "--nonblocking", "-o", str(out)]
    holder: dict[str, subprocess.CompletedProcess[str]] = {}
    thread = threading.Thread(target=lambda: holder.update(spy=subprocess.run(
        command, capture_output=True, text=True, timeout=load.duration_s + 60, check=False)))
    thread.start()
    run(load, workdir / "profile-load", tool)
    thread.join()
    done = holder.get("spy")
    if done is None or done.returncode != 0 or not out.exists():
        error = (done.stderr[-500:] if done else "py-spy did not finish").strip()
        return Profile(scenario, backend, 0, out, error=error)
    samples, self_top, inclusive_top = fold(out.read_text())
    return Profile(scenario, backend, samples, out, self_top, inclusive_top)
