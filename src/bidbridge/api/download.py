"""Streaming a stored document over HTTP: ETag, If-None-Match, single byte ranges, HEAD.

Bytes flow from storage.iter_range in chunks, so memory stays flat for any file size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from starlette.datastructures import Headers
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from bidbridge.errors import AppError
from bidbridge.models import DocumentVersion
from bidbridge.services.documents import storage_outage
from bidbridge.storage import Storage, StorageError

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

# Types a browser will not run as a page or script. Anything else (text/html, image/svg+xml, a
# type the uploader made up) is served as application/octet-stream, always as an attachment.
SERVED_TYPES = frozenset({
    "application/pdf",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
})


def served_type(stored: str | None) -> str:
    media = (stored or "").split(";")[0].strip().lower()
    return media if media in SERVED_TYPES else "application/octet-stream"


class FileStream(StreamingResponse):
    """A streaming response that sends headers only for HEAD (never reading the file)."""

    def __init__(self, content: Iterator[bytes], **options: Any) -> None:
        super().__init__(content, **options)
        self._source = content

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method", "").upper() == "HEAD":
            close = getattr(self._source, "close", None)
            if close is not None:  # e.g. an S3 body opened for the range: give it back now
                close()
            await send({"type": "http.response.start", "status": self.status_code,
                        "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await super().__call__(scope, receive, send)


class Unsatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive; None when the header is to be ignored (malformed or
    several ranges: RFC 9110 lets a server send the whole file); Unsatisfiable past the end."""
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if first == "" and last == "":
        return None
    if first == "":  # the final n bytes
        n = int(last)
        if n == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - n), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if last != "" and int(last) < start:
        return None  # invalid: ignore
    if start >= size:
        raise Unsatisfiable
    return start, end


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags


def content_disposition(filename: str) -> str:
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(storage: Storage, version: DocumentVersion, headers: Headers) -> Response:
    """200 with the whole file, 206 with one range, 304 when the caller has it, or 416."""
    etag = f'"{version.sha256}"'
    base = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": "private, no-cache"}
    if etag_matches(headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=base)
    try:
        present = storage.exists(version.storage_key)
    except StorageError as exc:
        raise storage_outage(f"Document storage cannot be reached right now ({exc}); nothing is "
                             "wrong with your request. Retry after the seconds in "
                             "Retry-After.") from exc
    if not present:
        raise AppError("The document's bytes are not available right now; nothing is wrong "
                       "with your request. Retry later, or tell support.",
                       code="storage_unavailable", status=503, headers={"Retry-After": "30"})
    size = version.size
    base["Content-Disposition"] = content_disposition(version.name)
    wanted = headers.get("range")
    if_range = headers.get("if-range")
    if wanted and (if_range is None or if_range.strip() == etag):
        try:
            span = parse_range(wanted, size)
        except Unsatisfiable:
            raise AppError(f"The range {wanted!r} lies outside the document, which has {size} "
                           "bytes.", code="range_not_satisfiable", status=416,
                           headers={"Content-Range": f"bytes */{size}", **base},
                           data={"size": size}) from None
        if span is not None:
            start, end = span
            return FileStream(_chunks(storage, version.storage_key, start, end), status_code=206,
                              media_type=served_type(version.content_type),
                              headers={**base, "Content-Range": f"bytes {start}-{end}/{size}",
                                       "Content-Length": str(end - start + 1)})
    return FileStream(_chunks(storage, version.storage_key, 0, size - 1), status_code=200,
                      media_type=served_type(version.content_type),
                      headers={**base, "Content-Length": str(size)})


def _chunks(storage: Storage, key: str, start: int, end: int) -> Iterator[bytes]:
    if end < start:
        return iter(())
    try:
        return storage.iter_range(key, start, end)
    except (StorageError, FileNotFoundError) as exc:
        raise storage_outage(f"Document storage cannot serve the bytes right now ({exc}). Retry "
                             "after the seconds in Retry-After.") from exc
