"""Webhook endpoints of a company: added, listed, changed, disabled, deleted, their secret
rotated (both signatures for 24 h), their deliveries listed and events replayed to them.

The signing secret (``whsec_`` + base64 of 32 random bytes, as Standard Webhooks says) is needed
in the clear to sign, so it is sealed at rest (Fernet under a key derived from the server's
secret key) and shown once, in the answer that creates or rotates it.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.errors import AppError, NotFound
from bidbridge.models import Event, WebhookDelivery, WebhookEndpoint
from bidbridge.services import events, scoping
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext

ROTATION_OVERLAP = timedelta(hours=24)
MAX_ENDPOINTS = 10  # per company
MAX_REPLAY = 1000  # events per replay call
# Wait after the n-th failed attempt (Standard Webhooks' suggested curve, stretched to ~3 days).
# The delivery worker (services.webhook_delivery, with httpx) keeps to it; it is kept here so the
# API can describe it without loading the worker.
BACKOFF = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=5), timedelta(hours=10), timedelta(hours=14), timedelta(hours=20),
           timedelta(hours=24))


@dataclass(frozen=True)
class Sealer:
    """Seals and opens endpoint secrets with a key only the server can derive."""

    secret_key: str

    def _fernet(self) -> Fernet:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"bidbridge webhook secret v1").derive(self.secret_key.encode())
        return Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        return self._fernet().encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        return self._fernet().decrypt(sealed.encode()).decode()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_secrets(sealer: Sealer, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets to sign with now: the current one, and the previous within 24 h of a rotation."""
    found = [sealer.open(endpoint.secret_sealed)]
    if (endpoint.previous_secret_sealed is not None and endpoint.previous_secret_until is not None
            and now < endpoint.previous_secret_until):
        found.append(sealer.open(endpoint.previous_secret_sealed))
    return found


def endpoint_of(session: Session, company_id: int, endpoint_id: int) -> WebhookEndpoint:
    """The company's endpoint; another company's is not found, like one that does not exist."""
    return scoping.load(session, scoping.WEBHOOK_ENDPOINT, endpoint_id, for_company=company_id)


def list_endpoints(session: Session, company_id: int) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.company_id == company_id).order_by(WebhookEndpoint.id)))


def _audit(session: Session, ctx: RequestContext, what: str, endpoint: WebhookEndpoint,
           **data: object) -> None:
    record_event(session, ctx, f"webhook_endpoint.{what}", company_id=endpoint.company_id,
                 target_type="webhook_endpoint", target_id=endpoint.id,
                 target_label=endpoint.url[:200], data=dict(data))


def add_endpoint(session: Session, ctx: RequestContext, sealer: Sealer, company_id: int, *,
                 url: str, event_types: list[str], description: str | None
                 ) -> tuple[WebhookEndpoint, str]:
    """A new, enabled endpoint; returns it with its secret, which exists only in this answer."""
    count = len(list_endpoints(session, company_id))
    if count >= MAX_ENDPOINTS:
        raise AppError(f"Your company has {count} webhook endpoints, the most allowed. Delete "
                       "one you no longer use first.", code="too_many_endpoints", status=409)
    now = ctx.now()
    secret = new_secret()
    row = WebhookEndpoint(company_id=company_id, url=url, description=description,
                          event_types=event_types, enabled=True, secret_sealed=sealer.seal(secret),
                          created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    _audit(session, ctx, "added", row, eventTypes=event_types)
    return row, secret


def update_endpoint(session: Session, ctx: RequestContext, endpoint: WebhookEndpoint, *,
                    url: str | None = None, event_types: list[str] | None = None,
                    description: str | None = None, enabled: bool | None = None) -> list[str]:
    """Change what is given; return the names of what changed. Enabling clears a disable."""
    changed = []
    if url is not None and url != endpoint.url:
        endpoint.url = url
        changed.append("url")
    if event_types is not None and event_types != endpoint.event_types:
        endpoint.event_types = event_types
        changed.append("eventTypes")
    if description is not None and description != endpoint.description:
        endpoint.description = description
        changed.append("description")
    if enabled is not None and enabled != endpoint.enabled:
        endpoint.enabled = enabled
        changed.append("enabled")
        if enabled:
            endpoint.disabled_reason = endpoint.disabled_at = endpoint.failing_since = None
        else:
            endpoint.disabled_reason, endpoint.disabled_at = "disabled by you", ctx.now()
    if changed:
        endpoint.updated_at = ctx.now()
        _audit(session, ctx, "updated", endpoint, changed=changed)
        session.flush()
    return changed


def delete_endpoint(session: Session, ctx: RequestContext, endpoint: WebhookEndpoint) -> None:
    _audit(session, ctx, "deleted", endpoint)
    session.delete(endpoint)  # its deliveries go with it (ON DELETE CASCADE)
    session.flush()


def rotate_secret(session: Session, ctx: RequestContext, sealer: Sealer,
                  endpoint: WebhookEndpoint, *, overlap_hours: int = 24) -> str:
    """A new secret; the old one keeps signing beside it for 24 h, so receivers can switch
    (0 hours: the old one stops at once, for a secret that leaked)."""
    now = ctx.now()
    secret = new_secret()
    overlap = min(timedelta(hours=overlap_hours), ROTATION_OVERLAP)
    endpoint.previous_secret_sealed = endpoint.secret_sealed if overlap else None
    endpoint.previous_secret_until = now + overlap if overlap else None
    endpoint.secret_sealed = sealer.seal(secret)
    endpoint.updated_at = now
    _audit(session, ctx, "secret_rotated", endpoint, overlapHours=overlap_hours)
    session.flush()
    return secret


def disable_by_platform(session: Session, ctx: RequestContext, endpoint: WebhookEndpoint,
                        reason: str) -> None:
    """The platform stops delivering (a 410, days of failure); the API user is told by an event
    in the feed and a row in the audit log."""
    if not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:200]
    endpoint.disabled_at = endpoint.updated_at = ctx.now()
    _audit(session, ctx, "disabled", endpoint, reason=reason)
    events.emit(session, ctx, "webhook_endpoint.disabled", company_id=endpoint.company_id,
                subject_id=endpoint.id,
                payload={"endpointId": endpoint.id, "url": endpoint.url, "enabled": False,
                         "disabledReason": endpoint.disabled_reason})


def deliveries_of(session: Session, endpoint: WebhookEndpoint, *, after_id: int | None,
                  limit: int) -> tuple[list[tuple[WebhookDelivery, str]], bool]:
    """The endpoint's deliveries, newest first, each with its event's type."""
    query = (select(WebhookDelivery, Event.type).join(Event, Event.id == WebhookDelivery.event_id)
             .where(WebhookDelivery.endpoint_id == endpoint.id))
    if after_id is not None:
        query = query.where(WebhookDelivery.id < after_id)
    rows = [(d, t) for d, t in session.execute(
        query.order_by(WebhookDelivery.id.desc()).limit(limit + 1))]
    return rows[:limit], len(rows) > limit


def replay(session: Session, ctx: RequestContext, endpoint: WebhookEndpoint, *,
           event_id: int | None = None, since: datetime | None = None,
           until: datetime | None = None) -> int:
    """Queue one event, or every event of a time range, to the endpoint again (same webhook-id).
    Only the company's own events, and only types the endpoint takes."""
    query = select(Event).where(Event.company_id == endpoint.company_id)
    if event_id is not None:
        query = query.where(Event.id == event_id)
    if since is not None:
        query = query.where(Event.occurred_at >= since)
    if until is not None:
        query = query.where(Event.occurred_at < until)
    if endpoint.event_types:
        query = query.where(Event.type.in_(endpoint.event_types))
    found = list(session.scalars(query.order_by(Event.txid, Event.id).limit(MAX_REPLAY + 1)))
    if event_id is not None and not found:
        raise NotFound(f"There is no event {event_id} of your company for this endpoint (kept "
                       "30 days; the endpoint's eventTypes must include its type).",
                       code="not_found", data={"resource": "event", "id": event_id})
    if len(found) > MAX_REPLAY:
        raise AppError(f"The range holds more than {MAX_REPLAY} events. Replay a shorter range.",
                       code="replay_too_large", status=422,
                       data={"errors": [{"parameter": "until", "in": "query",
                                         "problem": "invalid", "message": "range too large"}]})
    now = ctx.now()
    for event in found:
        session.add(WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event.id, company_id=endpoint.company_id,
            subject_key=events.subject_key(event), status="pending", attempts=0,
            next_attempt_at=now, replay=True, created_at=now))
    _audit(session, ctx, "replayed", endpoint, count=len(found), eventId=event_id)
    session.flush()
    return len(found)


@dataclass(frozen=True)
class EndpointOverview:
    endpoint: WebhookEndpoint
    pending: int
    failed: int
    last: WebhookDelivery | None


def overview(session: Session, company_id: int) -> list[EndpointOverview]:
    """The API tab's list: each endpoint with its waiting and failed deliveries and the latest
    attempt."""
    from sqlalchemy import func

    found = []
    for endpoint in list_endpoints(session, company_id):
        counts = dict(session.execute(
            select(WebhookDelivery.status, func.count()).where(
                WebhookDelivery.endpoint_id == endpoint.id).group_by(WebhookDelivery.status)
        ).all())
        last = session.scalar(select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.last_attempt_at.is_not(None))
            .order_by(WebhookDelivery.last_attempt_at.desc(), WebhookDelivery.id.desc()).limit(1))
        found.append(EndpointOverview(endpoint, int(counts.get("pending", 0)),
                                      int(counts.get("failed", 0)), last))
    return found
