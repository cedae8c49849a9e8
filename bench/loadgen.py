"""The load generator, always a separate process: Debian's `wrk` (driven by a generated Lua
script), or, where wrk is missing, a small asyncio HTTP/1.1 keep-alive client (`python -m
bench.loadgen SPEC.json`). Both stop by themselves after a bounded duration or request count,
and both only ever talk to loopback."""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Load:
    """One measured run: what to send, over how many connections, for how long at most."""

    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)  # rotated per request; empty = no body
    connections: int = 16
    duration_s: float = 10.0  # the bound of every run; request counts come from chunks of it
    timeout_s: float = 10.0


@dataclass
class Result:
    requests: int
    duration_s: float
    bytes: int
    errors: int  # non-2xx/3xx answers, socket errors and timeouts
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.duration_s if self.duration_s else 0.0


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise ValueError(f"refusing to load {host}: benchmarks only target loopback addresses")


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run(load: Load, workdir: Path, tool: str = "wrk") -> Result:
    check_loopback(load.url)
    workdir.mkdir(parents=True, exist_ok=True)
    if tool == "wrk":
        return _run_wrk(load, workdir)
    spec = workdir / "load.json"
    bodies = []
    for i, body in enumerate(load.bodies):
        path = workdir / f"body-{i}.bin"
        path.write_bytes(body)
        bodies.append(str(path))
    spec.write_text(json.dumps({**asdict(load), "bodies": bodies}))
    out = subprocess.run([sys.executable, "-m", "bench.loadgen", str(spec)], capture_output=True,
                         text=True, timeout=load.duration_s + load.timeout_s + 60,
                         cwd=Path(__file__).resolve().parent.parent, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"python load generator failed: {out.stderr[-2000:]}")
    return Result(**json.loads(out.stdout.strip().splitlines()[-1]))


_LUA = r"""
wrk.method = "%(method)s"
%(headers)s
local paths = {%(paths)s}
local bodies = {}
for i, p in ipairs(paths) do
  local f = assert(io.open(p, "rb")); bodies[i] = f:read("*a"); f:close()
end
if #bodies == 1 then wrk.body = bodies[1] end
local i = 0
if #bodies > 1 then
  request = function()
    i = i %% #bodies + 1
    return wrk.format(nil, nil, nil, bodies[i])
  end
end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format(
    "BENCH_JSON {\"requests\":%%d,\"duration_us\":%%d,\"bytes\":%%d,\"errors\":%%d," ..
    "\"p50_us\":%%d,\"p90_us\":%%d,\"p99_us\":%%d,\"max_us\":%%d}\n",
    s.requests, s.duration, s.bytes, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def _run_wrk(load: Load, workdir: Path) -> Result:
    threads = 1 if load.connections < 8 else 2
    paths = []
    for i, body in enumerate(load.bodies):
        path = workdir / f"body-{i}.bin"
        path.write_bytes(body)
        paths.append(_lua_string(str(path)))
    headers = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}"
                        for k, v in load.headers.items())
    script = workdir / "load.lua"
    script.write_text(_LUA % {"method": load.method, "headers": headers,
                              "paths": ", ".join(paths)})
    duration = max(1, math.ceil(load.duration_s))
    command = ["wrk", "-t", str(threads), "-c", str(load.connections), "-d", f"{duration}s",
               "--timeout", f"{load.timeout_s:g}s", "-s", str(script), load.url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60,
                         check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-1500:]}{out.stderr[-1500:]}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    return Result(requests=raw["requests"], duration_s=raw["duration_us"] / 1e6,
                  bytes=raw["bytes"], errors=raw["errors"], p50_ms=raw["p50_us"] / 1000,
                  p90_ms=raw["p90_us"] / 1000, p99_ms=raw["p99_us"] / 1000,
                  max_ms=raw["max_us"] / 1000)


# ---- the asyncio fallback client, run as its own process ------------------------------------

async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    size = len(head)
    if "content-length" in headers:
        remaining = int(headers["content-length"])
        while remaining:
            chunk = await reader.read(min(remaining, 1 << 20))
            if not chunk:
                raise ConnectionError("connection closed mid-body")
            remaining -= len(chunk)
            size += len(chunk)
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            length = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            body = await reader.readexactly(length + 2)
            size += len(body)
            if length == 0:
                break
    return status, size


async def _client(spec: dict, latencies: list[float], totals: list[int],
                  stop_at: float) -> None:
    url = urlsplit(spec["url"])
    target = url.path + (f"?{url.query}" if url.query else "")
    bodies = [Path(p).read_bytes() for p in spec["bodies"]] or [b""]
    reader, writer = await asyncio.open_connection(url.hostname, url.port or 80)
    heads = []
    for body in bodies:
        lines = [f"{spec['method']} {target} HTTP/1.1", f"Host: {url.netloc}"]
        lines += [f"{k}: {v}" for k, v in spec["headers"].items()]
        if spec["bodies"]:
            lines.append(f"Content-Length: {len(body)}")
        heads.append(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    i = 0
    try:
        while time.monotonic() < stop_at:
            i = (i + 1) % len(heads)
            started = time.perf_counter()
            writer.write(heads[i])
            try:
                status, size = await asyncio.wait_for(_read_response(reader), spec["timeout_s"])
            except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
                totals[1] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(url.hostname, url.port or 80)
                continue
            latencies.append(time.perf_counter() - started)
            totals[0] += size
            if status >= 400:
                totals[1] += 1
    finally:
        writer.close()


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


async def _main(spec: dict) -> dict[str, float | int]:
    latencies: list[float] = []
    totals = [0, 0]
    started = time.monotonic()
    stop_at = started + spec["duration_s"]
    await asyncio.gather(*(_client(spec, latencies, totals, stop_at)
                           for _ in range(spec["connections"])))
    elapsed = time.monotonic() - started
    ms = sorted(x * 1000 for x in latencies)
    return {"requests": len(ms), "duration_s": elapsed, "bytes": totals[0], "errors": totals[1],
            "p50_ms": _percentile(ms, 50), "p90_ms": _percentile(ms, 90),
            "p99_ms": _percentile(ms, 99), "max_ms": ms[-1] if ms else 0.0}


if __name__ == "__main__":
    loaded = json.loads(Path(sys.argv[1]).read_text())
    check_loopback(loaded["url"])
    print(json.dumps(asyncio.run(_main(loaded))))
