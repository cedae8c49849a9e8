"""Document bytes live outside the database, behind this interface."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class StorageError(Exception):
    """The bytes could not be stored (disk full, permissions, …); nothing was recorded."""


class StorageUnavailable(StorageError):
    """The store cannot be reached right now (network, timeout, the service's own 5xx): a retry
    later can succeed, and nothing was recorded."""


class Storage(Protocol):
    def save(self, source: BinaryIO, *, max_bytes: int | None = None) -> StoredFile:
        """Store the stream, hashing while writing; raise StorageError or ValueError (too big)."""

    def open(self, key: str) -> BinaryIO: ...

    def size(self, key: str) -> int: ...

    def iter_range(self, key: str, start: int, end: int, chunk: int = 256 * 1024
                   ) -> Iterator[bytes]:
        """Bytes start..end inclusive, in chunks: memory stays flat for any file size."""

    def exists(self, key: str) -> bool: ...

    def check(self) -> None:
        """Raise StorageError when the store cannot take writes and serve reads (readiness)."""

    def describe(self) -> str:
        """Where the bytes go, for logs and the readiness answer (no credentials)."""


class TooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


def check_key(key: str) -> str:
    """A storage key is the lowercase hex SHA-256 of the bytes; anything else is refused."""
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise ValueError(f"not a storage key: {key!r}")
    return key
