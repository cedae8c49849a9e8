"""Content-addressed files in a local directory: the key is the SHA-256 of the bytes."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bidbridge.storage import StorageError, StoredFile, TooLarge, check_key

CHUNK = 1024 * 1024


class LocalStorage:
    """Same bytes, same key: re-uploads cost no space, and a half-written file is never visible
    (bytes go to a temporary file first and are renamed into place once complete)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def save(self, source: BinaryIO, *, max_bytes: int | None = None) -> StoredFile:
        digest = hashlib.sha256()
        size = 0
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        except OSError as exc:
            raise StorageError(f"cannot write to document storage: {exc.strerror}") from exc
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest()
            final = self._path(key)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                tmp.unlink()
            else:
                os.replace(tmp, final)
            return StoredFile(key=key, size=size, sha256=key)
        except OSError as exc:
            raise StorageError(f"cannot write to document storage: {exc.strerror}") from exc
        finally:
            if tmp.exists():
                tmp.unlink()

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root, prefix=".ready-"):
                pass
        except OSError as exc:
            raise StorageError(f"cannot write to {self.root}: {exc.strerror}") from exc

    def describe(self) -> str:
        return f"local directory {self.root}"

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def iter_range(self, key: str, start: int, end: int, chunk: int = 256 * 1024
                   ) -> Iterator[bytes]:
        with self.open(key) as handle:
            handle.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                data = handle.read(min(chunk, remaining))
                if not data:
                    break
                remaining -= len(data)
                yield data
