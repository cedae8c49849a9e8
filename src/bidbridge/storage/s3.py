"""Content-addressed objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, …) through boto3.

The object key is ``<prefix>/<sha[:2]>/<sha[2:4]>/<sha>``, as on the local disk. The bytes are
hashed first (from the upload's spooled file) and only then sent under their final key, as one
PutObject or, above the threshold, as a multipart upload: S3 makes either visible only once it is
complete, so a half-written object is never seen. An interrupted multipart upload leaves invisible
parts, which the bucket's lifecycle rule aborts (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bidbridge.storage import StorageError, StorageUnavailable, StoredFile, TooLarge, check_key

CHUNK = 1024 * 1024
# Bytes of an upload kept in memory before it spills to a temporary file.
SPOOL_BYTES = 1024 * 1024


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://bucket`` or ``s3://bucket/some/prefix``; ValueError says what is wrong."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"BIDBRIDGE_STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
        if parts.query or parts.fragment:
            raise ValueError("BIDBRIDGE_STORAGE_URL takes no query or fragment: s3://bucket/prefix")
        return cls(bucket=parts.netloc, prefix=parts.path.strip("/"))


class S3Storage:
    """The same guarantees as LocalStorage, on a bucket every server node shares."""

    def __init__(self, location: S3Location, *, endpoint_url: str | None = None,
                 region: str | None = None, access_key_id: str | None = None,
                 secret_access_key: str | None = None, multipart_threshold: int = 8 * CHUNK,
                 timeout_seconds: float = 10.0, max_attempts: int = 3) -> None:
        self.location = location
        self.endpoint_url = endpoint_url
        config = Config(connect_timeout=timeout_seconds, read_timeout=timeout_seconds,
                        retries={"mode": "standard", "max_attempts": max_attempts},
                        signature_version="s3v4", s3={"addressing_style": "path"})
        self.client: Any = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None, config=config)
        # Two parts in flight and two read ahead, of at most the threshold each: memory stays
        # bounded (s3transfer reads up to 10 parts ahead by default: 80 MB at 8 MB parts).
        self.transfer = TransferConfig(multipart_threshold=multipart_threshold,
                                       multipart_chunksize=max(multipart_threshold, 5 * CHUNK),
                                       max_concurrency=2, use_threads=True)
        self.transfer.max_in_memory_upload_chunks = 2

    def object_key(self, key: str) -> str:
        check_key(key)
        name = f"{key[:2]}/{key[2:4]}/{key}"
        return f"{self.location.prefix}/{name}" if self.location.prefix else name

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        prefix = f"/{self.location.prefix}" if self.location.prefix else ""
        return f"s3://{self.location.bucket}{prefix}{where}"

    def save(self, source: BinaryIO, *, max_bytes: int | None = None) -> StoredFile:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            digest = hashlib.sha256()
            size = 0
            try:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    spool.write(chunk)
            except OSError as exc:
                raise StorageError(f"cannot buffer the upload: {exc.strerror}") from exc
            key = digest.hexdigest()
            if self.exists(key):  # same bytes, same key: nothing to send
                return StoredFile(key=key, size=size, sha256=key)
            spool.seek(0)
            try:
                self.client.upload_fileobj(
                    spool, self.location.bucket, self.object_key(key), Config=self.transfer,
                    ExtraArgs={"ContentType": "application/octet-stream",
                               "Metadata": {"sha256": key}})
            except (BotoCoreError, ClientError) as exc:
                raise _unavailable("store the document", exc) from exc
            except Exception as exc:  # S3Transfer wraps failures of its worker threads
                if isinstance(exc.__cause__, BotoCoreError | ClientError):
                    raise _unavailable("store the document", exc.__cause__) from exc
                raise
        return StoredFile(key=key, size=size, sha256=key)

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return cast(dict[str, Any], self.client.head_object(
                Bucket=self.location.bucket, Key=self.object_key(key)))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise _unavailable("look the document up", exc) from exc
        except BotoCoreError as exc:
            raise _unavailable("look the document up", exc) from exc

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def _get(self, key: str, byte_range: str | None = None) -> Any:
        args = {"Bucket": self.location.bucket, "Key": self.object_key(key)}
        if byte_range is not None:
            args["Range"] = byte_range
        try:
            return self.client.get_object(**args)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(key) from exc
            raise _unavailable("read the document", exc) from exc
        except BotoCoreError as exc:
            raise _unavailable("read the document", exc) from exc

    def open(self, key: str) -> BinaryIO:
        return cast(BinaryIO, io.BufferedReader(_Body(self._get(key)), CHUNK))

    def iter_range(self, key: str, start: int, end: int, chunk: int = 256 * 1024
                   ) -> Iterator[bytes]:
        # The request goes out now, not at the first chunk: an unreachable store is then a 503
        # before any header is sent rather than a response cut short.
        return _Chunks(self._get(key, f"bytes={start}-{end}"), chunk)

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.location.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(f"reach the bucket {self.location.bucket}", exc) from exc


class _Body(io.RawIOBase):
    """botocore's StreamingBody as a readable file object."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._body.read(len(buffer))
        except BotoCoreError as exc:
            raise _unavailable("read the document", exc) from exc
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


class _Chunks:
    """The body of one ranged GET, in chunks; ``close()`` gives the connection back at once
    (a HEAD request never reads it)."""

    def __init__(self, body: Any, chunk: int) -> None:
        self._body = body
        self._chunks = body.iter_chunks(chunk)

    def __iter__(self) -> _Chunks:
        return self

    def __next__(self) -> bytes:
        try:
            return bytes(next(self._chunks))
        except StopIteration:
            self.close()
            raise
        except BotoCoreError as exc:
            self.close()
            raise _unavailable("read the document", exc) from exc

    def close(self) -> None:
        self._body.close()


def _unavailable(action: str, exc: BaseException) -> StorageUnavailable:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        reason = f"{error.get('Code', '?')}: {error.get('Message', '')}".strip(": ")
    else:
        reason = exc.__class__.__name__
    return StorageUnavailable(f"could not {action} in the S3 store ({reason})")
