"""Several machines on one: two `bidbridge serve` nodes (127.0.0.1 and 127.0.0.2) behind Debian's
nginx (the shipped deploy/nginx/bidbridge.conf), one PostgreSQL database, Redis and an S3 server.

A missing nginx is an error, never a skip: scripts/test.sh installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

from tests.live_server import _database
from tests.s3_server import S3Server

ROOT = Path(__file__).resolve().parents[2]
NGINX_SITE = ROOT / "deploy" / "nginx" / "bidbridge.conf"
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port_on(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    workers: int
    metrics_dir: Path  # serve's prometheus-client multi-process directory (workers > 1)

    def metric_pids(self) -> set[str]:
        """The worker processes that have written samples to the shared directory."""
        return {f.stem.rsplit("_", 1)[1] for f in self.metrics_dir.glob("*.db")}

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Cluster:
    proxy: str
    database_url: str
    env: dict[str, str]
    nodes: list[Node] = field(default_factory=list)

    def cli(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run([str(BIN / "bidbridge"), *args], env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"bidbridge {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx is missing: install Debian's nginx (scripts/test.sh does, as root)")
    return found


def nginx_config(tmp: Path, listen: str, upstreams: list[str]) -> Path:
    """deploy/nginx/bidbridge.conf with these nodes and this address, in a private nginx."""
    site = NGINX_SITE.read_text()
    nodes = "\n".join(f"    server {u} max_fails=1 fail_timeout=10s;" for u in upstreams)
    site, replaced = re.subn(r"(?s)# nodes:begin.*?# nodes:end", nodes, site)
    assert replaced == 1, "deploy/nginx/bidbridge.conf lost its nodes:begin/end markers"
    site, replaced = re.subn(r"listen 80;", f"listen {listen};", site)
    assert replaced == 1, "deploy/nginx/bidbridge.conf lost its `listen 80;` line"
    temp = tmp / "nginx-temp"
    temp.mkdir(parents=True)
    (tmp / "site.conf").write_text(site)
    main = tmp / "nginx.conf"
    # As root, nginx's workers would run as nobody, who cannot enter pytest's private tmp.
    user = "user root;" if os.geteuid() == 0 else ""
    main.write_text(f"""
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp}/site.conf;
}}
""")
    return main


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready within {timeout} s: {log.read_text()[-3000:]}")


def wait_for_workers(node: Node, timeout: float = 240) -> None:
    """Every worker of a multi-worker node has imported the app (its metric files exist)."""
    if node.workers == 1:
        return
    deadline = time.monotonic() + timeout
    while len(node.metric_pids()) < node.workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{node.url}: {len(node.metric_pids())} of {node.workers} workers "
                               f"up after {timeout} s: {node.log.read_text()[-2000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def cluster(tmp: Path, s3: S3Server, workers: tuple[int, int] = (1, 1), **settings: str
            ) -> Iterator[Cluster]:
    nginx = nginx_binary()
    with ExitStack() as stack:
        database_url = stack.enter_context(_database("postgresql", tmp))
        prefix = f"bidbridge-test:{uuid.uuid4().hex[:12]}:"
        stack.callback(_drop_redis_keys, prefix)
        bucket = s3.new_bucket()
        env = {**os.environ, "BIDBRIDGE_ENV": "production", "BIDBRIDGE_DATABASE_URL": database_url,
               "BIDBRIDGE_DATA_DIR": str(tmp / "var"), "BIDBRIDGE_SECRET_KEY": "s" * 48,
               "BIDBRIDGE_PEPPER": "p" * 48, "BIDBRIDGE_REDIS_URL": REDIS_URL,
               "BIDBRIDGE_RATE_LIMIT_REDIS_PREFIX": prefix, "BIDBRIDGE_LOG_LEVEL": "info",
               "BIDBRIDGE_LOG_JSON": "true", "BIDBRIDGE_ARGON2_TIME_COST": "1",
               "BIDBRIDGE_ARGON2_MEMORY_KIB": "1024",
               **{f"BIDBRIDGE_{k.upper()}": v for k, v in s3.settings(bucket).items()},
               **{f"BIDBRIDGE_{k.upper()}": v for k, v in settings.items()}}
        proxy_port = free_port_on("127.0.0.1")
        made = Cluster(proxy=f"http://127.0.0.1:{proxy_port}", database_url=database_url,
                       env=env)
        made.cli("db", "upgrade")  # once, for every node
        for (name, host), count in zip((("a", "127.0.0.1"), ("b", "127.0.0.2")), workers,
                                       strict=True):
            port = free_port_on(host)
            log = tmp / f"node-{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [str(BIN / "bidbridge"), "serve", "--host", host, "--port", str(port),
                     "--no-migrate", "--forwarded-allow-ips", "127.0.0.1",
                     "--workers", str(count)],
                    env=env, stdout=out, stderr=subprocess.STDOUT)
            stack.callback(_stop, process)
            made.nodes.append(Node(name, f"http://{host}:{port}", process, log, count,
                                   tmp / "var" / f"metrics-{port}"))
        for node in made.nodes:
            wait_ready(node.url, node.process, node.log)
            wait_for_workers(node)
        upstreams = [n.url.removeprefix("http://") for n in made.nodes]
        config = nginx_config(tmp / "nginx", f"127.0.0.1:{proxy_port}", upstreams)
        checked = subprocess.run([nginx, "-t", "-c", str(config), "-p", str(tmp / "nginx")],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        proxy = subprocess.Popen([nginx, "-c", str(config), "-p", str(tmp / "nginx"), "-g",
                                  "daemon off;"], stdout=subprocess.DEVNULL,
                                 stderr=(tmp / "nginx" / "stderr.log").open("wb"))
        stack.callback(_stop, proxy)
        wait_ready(made.proxy, proxy, tmp / "nginx" / "stderr.log")
        yield made


def _drop_redis_keys(prefix: str) -> None:
    conn = redis.Redis.from_url(REDIS_URL)
    keys = list(conn.scan_iter(match=prefix + "*"))
    if keys:
        conn.delete(*keys)
    conn.close()
