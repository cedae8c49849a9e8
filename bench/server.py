"""Starting an ASGI app under uvicorn with N worker processes on loopback, and reading the
memory of its workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

HOST = "127.0.0.1"


def free_port() -> int:
    """A port the kernel says is free now (a tiny race with other processes is acceptable)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def read_status_kib(pid: int, field_name: str) -> int:
    """A VmRSS / VmHWM line of /proc/<pid>/status, in KiB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return 0


@dataclass
class Server:
    """One uvicorn supervisor and its worker processes, serving ``app`` on a free loopback port."""

    app: str
    workers: int
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    can_reset_peaks: bool = True

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, probe_path: str = "/", timeout: float = 60.0) -> None:
        command = [sys.executable, "-m", "uvicorn", self.app, "--host", HOST,
                   "--port", str(self.port), "--workers", str(self.workers),
                   "--no-access-log", "--log-level", "warning", "--no-proxy-headers"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        root = Path(__file__).resolve().parent.parent
        env = {**os.environ, **self.env,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                        cwd=root, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited with {self.process.returncode}; "
                                   f"see {self.log_path}:\n{self._log_tail()}")
            if len(self.worker_pids()) == self.workers and self._answers(probe_path):
                # Every worker imports the app on its own; give the last one time to listen.
                time.sleep(1.0)
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.app} did not answer within {timeout:.0f}s; see {self.log_path}")

    def _answers(self, path: str) -> bool:
        try:
            httpx.get(self.base_url + path, timeout=2.0)
            return True
        except httpx.HTTPError:
            return False

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
        except FileNotFoundError:
            return ""

    def worker_pids(self) -> list[int]:
        """The worker processes (uvicorn spawns them with multiprocessing's spawn_main)."""
        if self.process is None:
            return []
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        pids = []
        for child in children:
            try:
                if any("spawn_main" in part for part in child.cmdline()):
                    pids.append(child.pid)
            except psutil.Error:
                continue
        return sorted(pids)

    def rss_mib(self) -> list[float]:
        return [read_status_kib(pid, "VmRSS") / 1024 for pid in self.worker_pids()]

    def peak_rss_mib(self) -> list[float]:
        return [read_status_kib(pid, "VmHWM") / 1024 for pid in self.worker_pids()]

    def reset_peaks(self) -> None:
        """Reset each worker's VmHWM to its current RSS (Linux: write 5 to clear_refs), so the
        next peak reading belongs to the next scenario alone."""
        for pid in self.worker_pids():
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                self.can_reset_peaks = False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
