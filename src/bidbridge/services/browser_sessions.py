"""Server-side browser sessions: started at login, touched as they are used, revoked at logout.

The cookie carries a random key; the table keeps only its SHA-256, so a database dump opens no
session. A revoked or expired record ends the session (and its CSRF token) at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidbridge.models import BrowserSession
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext

TOUCH_RESOLUTION = timedelta(seconds=60)
ACTIVE, NEEDS_CODE, NEEDS_ENROLMENT = "active", "needs_code", "needs_enrolment"


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def start(session: Session, ctx: RequestContext, *, kind: str, account_id: int, stage: str,
          max_age_seconds: int) -> tuple[str, BrowserSession]:
    """A new session record; returns the raw key for the cookie (never stored)."""
    raw = secrets.token_urlsafe(32)
    now = ctx.now()
    row = BrowserSession(key_digest=_digest(raw), account_kind=kind, account_id=account_id,
                         stage=stage, created_at=now, last_seen_at=now,
                         expires_at=now + timedelta(seconds=max_age_seconds),
                         client_ip=ctx.client_ip, user_agent=ctx.user_agent)
    session.add(row)
    session.flush()
    return raw, row


def find(session: Session, raw_key: str, now: datetime) -> BrowserSession | None:
    """The live record behind a cookie's key, or None (unknown, revoked or expired)."""
    row = session.scalar(select(BrowserSession).where(BrowserSession.key_digest == _digest(raw_key)))
    if row is None or row.revoked_at is not None or now >= row.expires_at:
        return None
    return row


def touch(session: Session, row: BrowserSession, now: datetime, client_ip: str | None,
          user_agent: str | None) -> None:
    """Last seen (and from where), written at most once a minute per session."""
    if now - row.last_seen_at < TOUCH_RESOLUTION and row.client_ip == client_ip:
        return
    session.execute(update(BrowserSession).where(BrowserSession.id == row.id).values(
        last_seen_at=now, client_ip=client_ip, user_agent=row.user_agent or user_agent))


def promote(session: Session, row: BrowserSession) -> str:
    """Every factor given: the session becomes active under a new key (no fixation)."""
    raw = secrets.token_urlsafe(32)
    row.key_digest = _digest(raw)
    row.stage = ACTIVE
    session.flush()
    return raw


def list_active(session: Session, kind: str, account_id: int, now: datetime) -> list[BrowserSession]:
    return list(session.scalars(
        select(BrowserSession)
        .where(BrowserSession.account_kind == kind, BrowserSession.account_id == account_id,
               BrowserSession.revoked_at.is_(None), BrowserSession.expires_at > now,
               BrowserSession.stage == ACTIVE)
        .order_by(BrowserSession.last_seen_at.desc(), BrowserSession.id.desc())))


def revoke(session: Session, ctx: RequestContext, row: BrowserSession, reason: str, *,
           company_id: int | None, label: str) -> None:
    if row.revoked_at is not None:
        return
    row.revoked_at = ctx.now()
    row.revoked_reason = reason
    record_event(session, ctx, "session.revoked", company_id=company_id,
                 target_type="browser_session", target_id=row.id, target_label=label,
                 data={"reason": reason})


def revoke_all(session: Session, ctx: RequestContext, kind: str, account_id: int, reason: str,
               *, except_id: int | None = None) -> int:
    """End every live session of an account (but ``except_id``); the number ended."""
    query = (update(BrowserSession)
             .where(BrowserSession.account_kind == kind, BrowserSession.account_id == account_id,
                    BrowserSession.revoked_at.is_(None))
             .values(revoked_at=ctx.now(), revoked_reason=reason))
    if except_id is not None:
        query = query.where(BrowserSession.id != except_id)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def get_own(session: Session, kind: str, account_id: int, session_id: int) -> BrowserSession | None:
    """One of the account's own sessions by id; another account's id reads as missing."""
    row = session.get(BrowserSession, session_id)
    if row is None or row.account_kind != kind or row.account_id != account_id:
        return None
    return row
