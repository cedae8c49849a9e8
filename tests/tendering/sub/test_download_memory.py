"""Storing and streaming a large document keeps memory flat, on the local directory and on S3:
bytes go up (multipart above the threshold) and come down in chunks, never whole."""

import hashlib
import tracemalloc
from datetime import UTC, datetime

import anyio
import pytest
from starlette.datastructures import Headers
from starlette.responses import StreamingResponse

from bidbridge.api.download import download
from bidbridge.models import DocumentVersion
from bidbridge.storage import Storage

MB = 1024 * 1024
SIZE = 120 * MB


@pytest.fixture
def storage(any_storage: Storage) -> Storage:
    return any_storage


def _stored(tmp_path, storage: Storage) -> tuple[Storage, DocumentVersion]:
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = bytes(range(256)) * 4096  # 1 MB
    with source.open("wb") as out:
        for i in range(SIZE // MB):
            chunk = block[i % 256:] + block[:i % 256]
            digest.update(chunk)
            out.write(chunk)
    with source.open("rb") as handle:
        tracemalloc.start()
        try:
            stored = storage.save(handle)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 40 * MB, f"peak {peak / MB:.1f} MB while storing {SIZE // MB} MB"
    print(f"{storage.describe()}: peak {peak / MB:.1f} MB storing {SIZE // MB} MB")
    source.unlink()
    assert stored.sha256 == digest.hexdigest()
    version = DocumentVersion(document_id=1, version=1, name="big.bin",
                              content_type="application/octet-stream", size=stored.size,
                              sha256=stored.sha256, storage_key=stored.key,
                              uploaded_at=datetime.now(UTC), uploaded_by_name="test")
    return storage, version


def _serve(response: StreamingResponse, method: str = "GET") -> tuple[int, int, int]:
    """(status, body bytes sent, peak traced memory) of running the response as ASGI."""
    sent = {"status": 0, "bytes": 0}

    async def receive() -> dict:
        await anyio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
        else:
            sent["bytes"] += len(message.get("body", b""))

    scope = {"type": "http", "method": method, "asgi": {"spec_version": "2.3"}}
    tracemalloc.start()
    try:
        anyio.run(response, scope, receive, send)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return sent["status"], sent["bytes"], peak


def test_a_large_download_streams_in_flat_memory(tmp_path, storage):
    storage, version = _stored(tmp_path, storage)
    response = download(storage, version, Headers({}))
    assert isinstance(response, StreamingResponse)
    status, sent, peak = _serve(response)
    assert status == 200 and sent == SIZE
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB while sending {SIZE // MB} MB"
    print(f"peak {peak / MB:.1f} MB sending {SIZE // MB} MB")

    ranged = download(storage, version, Headers({"range": f"bytes={SIZE - 50 * MB}-"}))
    status, sent, peak = _serve(ranged)
    assert status == 206 and sent == 50 * MB and peak < 8 * MB

    status, sent, _ = _serve(download(storage, version, Headers({})), method="HEAD")
    assert status == 200 and sent == 0
