"""Idempotency-Key on state-changing functions: one execution per key, its response replayed.

Why there is no separate "in progress" claim committed ahead of the work: the key row is
inserted at the start of the business transaction (in a savepoint) and filled with the response
at its end, so it commits exactly when the change commits. A crash or a 5xx rolls both back and
nothing blocks a retry; a committed change always has its stored response. A concurrent duplicate
blocks on the unique index until the first transaction ends (PostgreSQL waits on the uncommitted
row; SQLite has one writer), then replays the committed response — or, when the first rolled
back, runs itself. PostgreSQL bounds that wait with lock_timeout: past it the duplicate answers
409 idempotency_in_progress with Retry-After. Deterministic 4xx answers roll the change back and
are stored afterwards in a short transaction of their own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, UploadFile
from starlette.responses import Response

from bidbridge.api.declare import Function
from bidbridge.errors import AppError, Conflict, InvalidParameters
from bidbridge.models import IdempotencyKey
from bidbridge.services.runtime import Runtime

log = logging.getLogger("bidbridge.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
_KEY_RE = re.compile(KEY_PATTERN)
# PostgreSQL's wait for a concurrent duplicate to finish, before answering 409.
WAIT_FOR_DUPLICATE = "10s"
RETRY_AFTER_SECONDS = 1
# Answers that describe the moment rather than the request are never stored: a retry runs again.
TRANSIENT_STATUSES = frozenset({401, 403, 408, 409, 423, 425, 429})
# Response headers that belong to the replay, not to the stored answer.
_NOT_STORED_HEADERS = frozenset({"content-length", "date", "server", "x-request-id",
                                 "ratelimit", "ratelimit-policy"})
PURGE_INTERVAL_SECONDS = 600.0


def read_key(fn: Function, headers: Headers) -> str | None:
    """The caller's Idempotency-Key for an idempotent function; None when absent or not honoured."""
    if not fn.idempotent_writes:
        return None
    return header_key(headers)


def header_key(headers: Headers) -> str | None:
    """The Idempotency-Key header, checked; None when absent. submitProposal reads it here and
    keeps it with the proposal version it creates (see services/proposals.py)."""
    raw = headers.get(HEADER)
    if raw is None:
        return None
    if not _KEY_RE.match(raw):
        raise InvalidParameters(
            f"The header {HEADER} must be 1 to 255 visible ASCII characters (no spaces); a UUID "
            "generated per logical operation is a good key.",
            data={"errors": [{"parameter": HEADER, "in": "header", "problem": "pattern",
                              "pattern": KEY_PATTERN,
                              "message": f"{HEADER} must be 1–255 visible ASCII characters",
                              "expected": "1–255 visible ASCII characters, e.g. a UUID"}]})
    return raw


def _canonical(value: Any) -> Any:
    if isinstance(value, UploadFile):
        digest = hashlib.sha256()
        value.file.seek(0)
        for chunk in iter(lambda: value.file.read(1 << 20), b""):
            digest.update(chunk)
        value.file.seek(0)
        return {"file": value.filename, "contentType": value.content_type,
                "sha256": digest.hexdigest()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    return str(value) if value is not None and not isinstance(value, bool | int | str) else value


def request_hash(fn: Function, template: dict[str, Any], query: dict[str, Any],
                 url_query: dict[str, Any]) -> str:
    """SHA-256 over what the call asks for: function, parameters and the bytes of its files."""
    material = {"api": fn.api, "function": fn.name, "template": _canonical(template),
                "query": _canonical(query), "url": _canonical(url_query)}
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """The key this call holds inside its transaction."""

    company_id: int
    api: str
    function: str
    key: str
    request_hash: str
    request_id: str
    now: datetime


def claim(session: Session, claim_: Claim) -> Response | None:
    """Insert the key row for this call, or return the stored response of an earlier one."""
    scope = (IdempotencyKey.company_id == claim_.company_id, IdempotencyKey.api == claim_.api,
             IdempotencyKey.function == claim_.function, IdempotencyKey.key == claim_.key)
    stored = _stored(session, claim_)
    if stored is not None:
        return stored
    postgres = session.get_bind().dialect.name == "postgresql"
    try:
        with session.begin_nested():
            session.execute(delete(IdempotencyKey).where(*scope,
                                                         IdempotencyKey.expires_at <= claim_.now))
            if postgres:
                session.execute(text(f"SET LOCAL lock_timeout = '{WAIT_FOR_DUPLICATE}'"))
            session.add(IdempotencyKey(
                company_id=claim_.company_id, api=claim_.api, function=claim_.function,
                key=claim_.key, request_hash=claim_.request_hash, request_id=claim_.request_id,
                created_at=claim_.now, expires_at=claim_.now + TTL, response_status=0,
                response_headers={}, response_body=b""))
            session.flush()
    except IntegrityError:
        # A concurrent call with this key committed first: replay its answer.
        stored = _stored(session, claim_)
        if stored is None:  # it expired in between; extremely unlikely, let the caller retry
            raise in_progress() from None
        return stored
    except OperationalError as exc:
        if _is_lock_timeout(exc):
            raise in_progress() from exc
        raise
    finally:
        if postgres and session.in_transaction():
            session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    return None


def _is_lock_timeout(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "55P03"


def in_progress() -> AppError:
    error = Conflict(
        f"A request with this {HEADER} is still being processed. Retry after the number of "
        "seconds in Retry-After to get its response.", code="idempotency_in_progress",
        data={"retryAfter": RETRY_AFTER_SECONDS})
    error.headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return error


def _stored(session: Session, claim_: Claim) -> Response | None:
    row = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.company_id == claim_.company_id, IdempotencyKey.api == claim_.api,
        IdempotencyKey.function == claim_.function, IdempotencyKey.key == claim_.key,
        IdempotencyKey.expires_at > claim_.now, IdempotencyKey.response_status > 0))
    if row is None:
        return None
    if row.request_hash != claim_.request_hash:
        raise InvalidParameters(
            f"This {HEADER} was already used for a different {claim_.function} request (other "
            "parameters or files) in the last 24 hours. Use a new key for a new operation, or "
            "resend exactly the original request.", code="idempotency_mismatch",
            data={"errors": [{"parameter": HEADER, "in": "header", "problem": "mismatch",
                              "message": "the key was used with a different request"}]})
    headers = dict(row.response_headers)
    headers[REPLAYED_HEADER] = "true"
    return Response(row.response_body, status_code=row.response_status, headers=headers)


def storable(response: Response) -> bool:
    status = response.status_code
    ok = 200 <= status < 300 or (400 <= status < 500 and status not in TRANSIENT_STATUSES)
    return ok and isinstance(getattr(response, "body", None), bytes)


def _headers_to_store(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower() not in _NOT_STORED_HEADERS}


def complete(session: Session, claim_: Claim, response: Response) -> None:
    """Store the response with the business change, in the same transaction."""
    row = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.company_id == claim_.company_id, IdempotencyKey.api == claim_.api,
        IdempotencyKey.function == claim_.function, IdempotencyKey.key == claim_.key))
    assert row is not None
    if not storable(response):
        session.delete(row)
        return
    row.response_status = response.status_code
    row.response_headers = _headers_to_store(response)
    row.response_body = bytes(response.body)
    session.flush()


def store_refusal(session: Session, claim_: Claim, response: Response) -> None:
    """Keep a deterministic 4xx answer (its own transaction rolled back) for the key's lifetime,
    in a savepoint of the refusal's short transaction (the one holding its log row)."""
    if not storable(response) or response.status_code < 400:
        return
    try:
        with session.begin_nested():
            session.add(IdempotencyKey(
                company_id=claim_.company_id, api=claim_.api, function=claim_.function,
                key=claim_.key, request_hash=claim_.request_hash, request_id=claim_.request_id,
                created_at=claim_.now, expires_at=claim_.now + TTL,
                response_status=response.status_code,
                response_headers=_headers_to_store(response), response_body=bytes(response.body)))
    except IntegrityError:
        pass  # a concurrent call with this key stored its answer first; that one stands


def purge_expired(runtime: Runtime, session: Session) -> None:
    """Delete expired keys, at most every PURGE_INTERVAL_SECONDS per process, in a transaction
    of its own on the call's connection."""
    last = runtime.extras.get("idempotency_purged_at")
    now_mono = time.monotonic()
    if isinstance(last, float) and now_mono - last < PURGE_INTERVAL_SECONDS:
        return
    runtime.extras["idempotency_purged_at"] = now_mono
    try:
        with session.begin():
            session.execute(delete(IdempotencyKey).where(
                IdempotencyKey.expires_at <= runtime.clock.now()))
    except SQLAlchemyError:
        log.warning("could not purge expired idempotency keys; will try again later")
