"""A real S3-protocol server for the tests: moto's standalone server in a child process.

Each test gets a bucket of its own (unique name), so tests never see each other's objects. A
missing moto is an error, never a skip: it is part of `pip install -e .[dev]`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx

from tests.live import free_port

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "eu-west-1"


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen[bytes]

    def client(self):  # type: ignore[no-untyped-def]
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def new_bucket(self) -> str:
        name = f"bb-{uuid.uuid4().hex[:20]}"
        self.client().create_bucket(Bucket=name,
                                    CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def settings(self, bucket: str, prefix: str = "docs") -> dict[str, str]:
        """BIDBRIDGE_* settings (without the prefix) of a node storing into this bucket."""
        return {"storage_url": f"s3://{bucket}/{prefix}", "storage_endpoint_url": self.endpoint,
                "storage_region": REGION, "storage_access_key_id": ACCESS_KEY,
                "storage_secret_access_key": SECRET_KEY}

    def pause(self) -> None:
        """An outage that loses nothing: the server stops answering, its objects stay."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@contextmanager
def s3_server(log_path: Path, host: str = "127.0.0.1") -> Iterator[S3Server]:
    port = free_port()
    executable = Path(sys.executable).parent / "moto_server"
    if not executable.exists():
        raise RuntimeError(f"{executable} is missing: install the dev extras (moto[server]) with "
                           "EXTRAS=dev scripts/setup-venv.sh")
    with log_path.open("ab") as out:
        process = subprocess.Popen([str(executable), "-H", host, "-p", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
    server = S3Server(f"http://{host}:{port}", process)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited: {log_path.read_text()[-2000:]}")
            try:
                httpx.get(server.endpoint + "/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not come up within 30 s") from None
                time.sleep(0.1)
        yield server
    finally:
        server.resume()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
