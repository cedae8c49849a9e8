"""The client's engine: tokens renewed before expiry and once on token_expired, retries on 429/503
honouring Retry-After, failover retries (502/504, a dropped connection) for calls that are safe to
repeat, idempotency keys, parameter encoding, typed answers, streamed downloads."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal, Self

import httpx
from pydantic import BaseModel, TypeAdapter

from bidbridge.client.errors import ApiError, DownloadError, RateLimitedError

Api = Literal["subcontractor", "contractor"]
FileInput = str | os.PathLike[str] | bytes | tuple[str, bytes | IO[bytes], str]
PREFIX = {"subcontractor": "/rest/subcontractor/v1", "contractor": "/rest/contractor/v1"}
RETRY_STATUSES = (429, 503)
# A proxy's answers when the node behind it died or hung: the call may or may not have run, so
# only a call that is safe to repeat (a read, or a write with an Idempotency-Key) is sent again.
FAILOVER_STATUSES = (502, 504)


@dataclass(frozen=True)
class Download:
    """A file written by a streamed download."""

    path: Path
    size: int
    sha256: str
    content_type: str
    etag: str | None


class BaseClient:
    """Talks to one API of one bidbridge server as one API user."""

    api: Api = "subcontractor"

    def __init__(
        self,
        base_url: str,
        login: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        renew_before: float = 60.0,
        max_retries: int = 4,
        max_retry_wait: float = 30.0,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        user_agent: str = "bidbridge-client/1",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.login = login
        self._api_key = api_key
        self.renew_before = renew_before
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._monotonic = monotonic
        self._own_http = http is None
        self.http = http or httpx.Client(timeout=timeout, headers={"User-Agent": user_agent})
        self._token: str | None = None
        self._token_deadline = 0.0  # local monotonic seconds
        self.token_renewals = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- tokens ------------------------------------------------------------------------------
    def token(self) -> str:
        """A token with more than ``renew_before`` seconds left, fetched when needed."""
        if self._token is None or self._token_deadline - self._monotonic() < self.renew_before:
            self._renew(force=self._token is not None)
        assert self._token is not None
        return self._token

    def _renew(self, *, force: bool) -> None:
        # forceNew: without it the server hands back the same (nearly expired) token.
        body = self._send("POST", "getToken", "/tokens", data={
            "login": self.login, "apiKey": self._api_key, "forceNew": "1" if force else "0"},
            authenticated=False).json()
        self._token = str(body["token"])
        self._token_deadline = self._monotonic() + float(body["expiresIn"])
        self.token_renewals += 1

    # -- calls -------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + PREFIX[self.api] + path

    def _send(
        self,
        method: str,
        function: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        files: list[tuple[str, tuple[str, Any, str]]] | None = None,
        headers: dict[str, str] | None = None,
        authenticated: bool = True,
        stream: bool = False,
    ) -> httpx.Response:
        """One logical call: retried on 429/503, token renewed once on token_expired; a call
        that is safe to repeat is also retried on 502/504 and on a dropped connection, so it
        fails over to another node behind the load balancer."""
        renewed = False
        attempt = 0
        # Reads are repeatable whatever their method: every get… function only reads (getRfps
        # with filters is a POST; getToken hands back the same token within its hour).
        repeatable = method in ("GET", "HEAD") or function.startswith("get") or any(
            k.lower() == "idempotency-key" for k in (headers or {}))
        while True:
            sent_headers = dict(headers or {})
            if authenticated:
                sent_headers["X-Auth-Token"] = self.token()
            request = self.http.build_request(method, self.url(path), data=data or None,
                                              files=files or None, headers=sent_headers)
            try:
                response = self.http.send(request, stream=stream)
            except httpx.TransportError as exc:
                # Never connected: nothing was sent, any call may go again. Cut off later: only
                # a repeatable one.
                if (isinstance(exc, httpx.ConnectError) or repeatable) \
                        and attempt < self.max_retries:
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    _rewind(files)
                    continue
                raise
            if response.is_success or response.status_code == 304:
                return response
            if stream:
                response.read()
            problem = _problem(response)
            code = str(problem.get("code", ""))
            if response.status_code == 401 and code == "token_expired" and authenticated \
                    and not renewed:
                renewed = True
                self._renew(force=True)
                continue
            failover = response.status_code in FAILOVER_STATUSES and repeatable
            if (response.status_code in RETRY_STATUSES or failover) \
                    and attempt < self.max_retries:
                wait = self._retry_wait(response, attempt)
                if wait is not None:
                    attempt += 1
                    self._sleep(wait)
                    _rewind(files)
                    continue
            raise _error(response, problem, function)

    def _retry_wait(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before the next try, or None when Retry-After exceeds our bound."""
        header = response.headers.get("retry-after")
        if header is not None and header.strip().isdigit():
            wait = float(header)
            return wait if wait <= self.max_retry_wait else None
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        backoff = min(self.max_retry_wait, 0.5 * 2 ** attempt)
        return backoff * (0.5 + random.random() / 2)  # jitter: clients do not retry in step

    def call(self, function: str, path: str, method: str, values: dict[str, Any], *,
             authenticated: bool = True, idempotent: bool = False,
             idempotency_key: str | None = None) -> Any:
        """Send ``values`` (template ones already in ``path``) and return the decoded JSON."""
        data, files = encode(values)
        headers = {}
        if idempotent:
            # One key per logical call, reused by every retry of it.
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        response = self._send(method, function, path, data=data if method == "POST" else None,
                              files=files, headers=headers, authenticated=authenticated)
        return response.json()

    def download(self, function: str, path: str, dest: str | os.PathLike[str], *,
                 expected_sha256: str | None = None,
                 progress: Callable[[int, int | None], None] | None = None,
                 part: str | os.PathLike[str] | None = None,
                 max_rate: float | None = None) -> Download:
        """Stream a file to ``dest`` through a .part file, renamed into place only when complete
        (and matching ``expected_sha256``). A .part left by a broken run is resumed with Range
        when ``part`` is given; ``max_rate`` caps bytes per second."""
        target = Path(dest)
        part_path = Path(part) if part is not None else target.with_name(target.name + ".part")
        have = part_path.stat().st_size if part is not None and part_path.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else None
        try:
            response = self._send("GET", function, path, stream=True, headers=headers)
        except ApiError as exc:
            if exc.status != 416 or not have:
                raise
            # The .part is not a prefix of the current file (or already complete): start over.
            part_path.unlink(missing_ok=True)
            have, headers = 0, None
            response = self._send("GET", function, path, stream=True)
        try:
            resumed = response.status_code == 206 and have > 0
            digest = hashlib.sha256()
            size = 0
            if resumed:
                with part_path.open("rb") as existing:
                    for block in iter(lambda: existing.read(1 << 20), b""):
                        digest.update(block)
                size = have
            length = response.headers.get("content-length")
            total = size + int(length) if length is not None else None
            part_path.parent.mkdir(parents=True, exist_ok=True)
            started, sent = self._monotonic(), 0
            with part_path.open("ab" if resumed else "wb") as out:
                for chunk in _chunks(response):
                    out.write(chunk)
                    out.flush()
                    digest.update(chunk)
                    size += len(chunk)
                    sent += len(chunk)
                    if progress is not None:
                        progress(size, total)
                    if max_rate:
                        ahead = sent / max_rate - (self._monotonic() - started)
                        if ahead > 0:
                            self._sleep(ahead)
                os.fsync(out.fileno())
        finally:
            response.close()
        sha = digest.hexdigest()
        if (total is not None and size != total) or (expected_sha256 and sha != expected_sha256):
            part_path.unlink(missing_ok=True)
            raise DownloadError(f"{function} {path}: got {size} bytes with SHA-256 {sha}, expected "
                                f"{total} bytes with SHA-256 {expected_sha256}; run again")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part_path, target)
        return Download(path=target, size=size, sha256=sha,
                        content_type=response.headers.get("content-type", ""),
                        etag=response.headers.get("etag"))


def _chunks(response: httpx.Response) -> Iterator[bytes]:
    yield from response.iter_bytes(chunk_size=256 * 1024)


def _rewind(files: list[tuple[str, tuple[str, Any, str]]] | None) -> None:
    for _, (_, content, _) in files or []:
        if hasattr(content, "seek"):
            content.seek(0)


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _error(response: httpx.Response, problem: dict[str, Any], function: str) -> ApiError:
    status = response.status_code
    code = str(problem.get("code") or f"http_{status}")
    detail = str(problem.get("detail") or response.text[:500] or response.reason_phrase)
    cls = RateLimitedError if status in RETRY_STATUSES else ApiError
    return cls(status, code, f"{function}: {detail}", problem,
               response.headers.get("x-request-id") or problem.get("requestId"))


def encode(values: dict[str, Any]) -> tuple[dict[str, str], list[tuple[str, tuple[str, Any, str]]]]:
    """Python values to form fields (and multipart files)."""
    data: dict[str, str] = {}
    files: list[tuple[str, tuple[str, Any, str]]] = []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, FileArg):
            files.extend((name, f.as_upload()) for f in value.files)
        elif isinstance(value, bool):
            data[name] = "1" if value else "0"
        elif isinstance(value, list | dict):
            data[name] = json.dumps(value, default=_json_default)
        elif isinstance(value, BaseModel):
            data[name] = value.model_dump_json(by_alias=True)
        else:
            data[name] = format(value, "f") if isinstance(value, Decimal) else str(value)
    return data, files


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


@dataclass
class _File:
    name: str
    content: bytes | IO[bytes]
    content_type: str

    def as_upload(self) -> tuple[str, Any, str]:
        return (self.name, self.content, self.content_type)


class FileArg:
    """One or several files for a "file" parameter: paths, bytes or (name, data, type)."""

    def __init__(self, value: FileInput | list[FileInput]) -> None:
        items = value if isinstance(value, list) else [value]
        self.files = [_file(item) for item in items]


_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
          ".jpeg": "image/jpeg",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _file(item: FileInput) -> _File:
    if isinstance(item, tuple):
        return _File(*item)
    if isinstance(item, bytes):
        return _File("upload.bin", item, "application/octet-stream")
    path = Path(item)
    return _File(path.name, path.read_bytes(), _TYPES.get(path.suffix.lower(),
                                                          "application/octet-stream"))


def parse(response_type: Any, body: Any) -> Any:
    """The JSON answer as the declared response type: a wire model, a type such as
    ``list[Model]``, or None for plain JSON."""
    if response_type is None:
        return body
    if isinstance(response_type, type) and issubclass(response_type, BaseModel):
        return response_type.model_validate(body)
    return _adapter(response_type).validate_python(body)


@functools.cache
def _adapter(response_type: Any) -> TypeAdapter[Any]:
    return TypeAdapter(response_type)
