"""The storage contract, on each backend: content-addressed keys, nothing half-written visible,
ranges, the size limit, readiness."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from bidbridge.storage import Storage, StorageError, TooLarge
from bidbridge.storage.s3 import S3Location, S3Storage

MB = 1024 * 1024


class Exploding(io.RawIOBase):
    """A client connection that dies after ``good`` bytes."""

    def __init__(self, data: bytes, good: int) -> None:
        self.data, self.good, self.pos = data, good, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self.pos >= self.good:
            raise ConnectionResetError("the client went away")
        n = min(len(buffer), self.good - self.pos)
        buffer[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


def _keys(storage: Storage) -> list[str]:
    """Every object or file the backend holds, partial ones included."""
    if isinstance(storage, S3Storage):
        client, bucket = storage.client, storage.location.bucket
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return [o["Key"] for o in listed] + [f"partial:{u['Key']}" for u in uploads]
    return sorted(str(p) for p in storage.root.rglob("*") if p.is_file())  # type: ignore[attr-defined]


def test_the_key_is_the_sha256_and_same_bytes_are_stored_once(storage: Storage) -> None:
    data = os.urandom(300_000)
    first = storage.save(io.BytesIO(data))
    assert first.key == first.sha256 == hashlib.sha256(data).hexdigest()
    assert first.size == len(data)
    again = storage.save(io.BytesIO(data))
    assert again == first
    assert len(_keys(storage)) == 1
    assert storage.exists(first.key) and storage.size(first.key) == len(data)
    assert storage.open(first.key).read() == data
    assert not storage.exists(hashlib.sha256(b"never stored").hexdigest())


def test_ranges_come_back_exactly_in_chunks(storage: Storage) -> None:
    data = os.urandom(1_000_003)
    key = storage.save(io.BytesIO(data)).key
    chunks = list(storage.iter_range(key, 10, 700_000, chunk=64 * 1024))
    assert b"".join(chunks) == data[10:700_001]
    assert max(len(c) for c in chunks) <= 64 * 1024
    assert b"".join(storage.iter_range(key, len(data) - 1, len(data) - 1)) == data[-1:]


def test_too_large_and_a_broken_upload_leave_nothing(storage: Storage) -> None:
    data = os.urandom(3 * MB)
    with pytest.raises(TooLarge):
        storage.save(io.BytesIO(data), max_bytes=2 * MB)
    with pytest.raises(StorageError):  # the read failed: reported, and nothing kept
        storage.save(io.BufferedReader(Exploding(data, 2 * MB + 17)))
    assert _keys(storage) == []
    assert not storage.exists(hashlib.sha256(data).hexdigest())


def test_a_key_that_is_not_a_sha256_is_refused(storage: Storage) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "ab"):
        with pytest.raises(ValueError, match="not a storage key"):
            storage.exists(bad)


def test_readiness_check_passes_on_a_working_store(storage: Storage) -> None:
    storage.check()
    assert storage.describe()


def test_large_files_go_up_in_parts_and_come_back_whole(s3) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_s3_storage

    storage = make_s3_storage(s3, multipart_threshold=5 * MB)
    data = os.urandom(12 * MB + 5)
    stored = storage.save(io.BytesIO(data))
    head = storage.client.head_object(Bucket=storage.location.bucket,
                                      Key=storage.object_key(stored.key))
    assert head["ETag"].strip('"').endswith("-3")  # three parts: a multipart upload
    assert head["Metadata"]["sha256"] == stored.sha256
    assert hashlib.sha256(storage.open(stored.key).read()).hexdigest() == stored.sha256


def test_storage_url_is_parsed_and_checked() -> None:
    assert S3Location.parse("s3://tenders/prod/docs") == S3Location("tenders", "prod/docs")
    assert S3Location.parse("s3://tenders") == S3Location("tenders", "")
    for bad in ("https://tenders/docs", "s3:///docs", "s3://b/p?x=1"):
        with pytest.raises(ValueError, match="BIDBRIDGE_STORAGE_URL"):
            S3Location.parse(bad)
