"""The delivery worker: claims due deliveries from the outbox, signs and sends them, records
the answer, and backs off over about three days.

Claims are row leases: a worker marks up to ``batch`` due rows as its own until ``lease_until``
and commits, so no transaction stays open while it waits for a receiver. On PostgreSQL the
claim's SELECT takes ``FOR UPDATE SKIP LOCKED``, so several workers on several machines claim
disjoint rows without waiting for each other; on SQLite the claim runs under the single writer
lock. A worker killed mid-delivery leaves its lease to expire; the next claim sends the same
event again with the same ``webhook-id`` (at-least-once). A lease outlasts an attempt (the total
timeout plus a margin), so no attempt is made twice at once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker
from standardwebhooks.webhooks import Webhook

from bidbridge.clock import Clock
from bidbridge.config import Settings
from bidbridge.models import Event, WebhookDelivery, WebhookEndpoint
from bidbridge.services import event_feed, webhooks
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.webhook_targets import TargetRefused, parse_networks, resolve
from bidbridge.services.webhooks import BACKOFF

log = logging.getLogger("bidbridge.worker")

MAX_ATTEMPTS = len(BACKOFF) + 1
DISABLE_AFTER = timedelta(days=3)  # an endpoint failing this long without a success
LEASE_MARGIN = timedelta(seconds=30)
USER_AGENT = "bidbridge-webhooks/1"


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused target, connection error, timeout)
    error: str | None


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    endpoint_id: int
    event_id: int
    attempt: int


def claim(session: Session, now: datetime, owner: str, batch: int, lease: timedelta
          ) -> list[Claimed]:
    """Lease up to ``batch`` due deliveries. A delivery waits while an earlier one of the same
    endpoint and subject is unfinished, so one subject's events arrive in order."""
    earlier = aliased(WebhookDelivery)
    blocked = exists().where(and_(earlier.endpoint_id == WebhookDelivery.endpoint_id,
                                  earlier.subject_key == WebhookDelivery.subject_key,
                                  earlier.status == "pending", earlier.id < WebhookDelivery.id))
    query = (select(WebhookDelivery)
             .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
             .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
                    (WebhookDelivery.lease_until.is_(None)) | (WebhookDelivery.lease_until < now),
                    WebhookEndpoint.enabled.is_(True), ~blocked)
             .order_by(WebhookDelivery.id).limit(batch))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
    rows = list(session.scalars(query))
    for row in rows:
        row.lease_until = now + lease
        row.lease_owner = owner
        row.attempts += 1
    session.flush()
    return [Claimed(r.id, r.endpoint_id, r.event_id, r.attempts) for r in rows]


def signature_header(secrets: list[str], msg_id: str, timestamp: datetime, body: str) -> str:
    """``v1,<sig>`` per secret, space-separated: during a rotation both verify."""
    return " ".join(Webhook(s).sign(msg_id, timestamp, body) for s in secrets)


def send(client: httpx.Client, url: str, headers: dict[str, str], body: bytes,
         settings: Settings, allowed: tuple[Any, ...]) -> Answer:
    """One attempt: no redirects, connect and total timeouts, the answer read to a size cap."""
    try:
        target = resolve(url, allowed)
    except TargetRefused as exc:
        return Answer(None, f"refused: {exc}")
    extensions: dict[str, Any] = {}
    if target.sni_hostname:
        extensions["sni_hostname"] = target.sni_hostname
    started = time.monotonic()
    total = settings.webhook_timeout_seconds
    try:
        request = client.build_request("POST", target.url, content=body,
                                       headers={**headers, "Host": target.host_header},
                                       extensions=extensions)
        response = client.send(request, stream=True)
        try:
            read = 0
            for chunk in response.iter_raw():
                read += len(chunk)
                if read > settings.webhook_max_response_bytes:
                    break  # the answer's size does not matter beyond the cap: stop reading
                if time.monotonic() - started > total:
                    return Answer(response.status_code, f"the answer took over {total:g} s")
        finally:
            response.close()
    except httpx.TimeoutException as exc:
        return Answer(None, f"timed out: {type(exc).__name__}")
    except httpx.HTTPError as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}"[:300])
    status = response.status_code
    if 300 <= status < 400:
        return Answer(status, "redirects are not followed: give the final URL")
    return Answer(status, None if 200 <= status < 300 else f"answered {status}")


def record(session: Session, ctx: RequestContext, claimed: Claimed, answer: Answer) -> None:
    """Store the attempt's outcome; schedule the retry, fail for good, or disable the endpoint."""
    now = ctx.now()
    delivery = session.get(WebhookDelivery, claimed.delivery_id, with_for_update=True)
    if delivery is None:  # the endpoint was deleted meanwhile
        return
    delivery.last_attempt_at = now
    delivery.last_status_code = answer.status
    delivery.last_error = answer.error[:300] if answer.error else None
    delivery.lease_until = delivery.lease_owner = None
    ok = answer.status is not None and 200 <= answer.status < 300
    if ok:
        delivery.status = "delivered"
        delivery.delivered_at = now
        # Touches (and locks) the endpoint row only when it was failing: successes of one
        # endpoint must not queue behind each other on its row.
        session.execute(update(WebhookEndpoint).where(
            WebhookEndpoint.id == delivery.endpoint_id, WebhookEndpoint.failing_since.is_not(None))
            .values(failing_since=None))
        return
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    assert endpoint is not None
    if answer.status == 410:
        delivery.status = "failed"
        webhooks.disable_by_platform(session, ctx, endpoint,
                                     "the endpoint answered 410 Gone")
        return
    endpoint.failing_since = endpoint.failing_since or now
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    if now - endpoint.failing_since >= DISABLE_AFTER:
        webhooks.disable_by_platform(session, ctx, endpoint,
                                     f"every delivery failed for {DISABLE_AFTER.days} days")


def _payload(session: Session, sealer: webhooks.Sealer, claimed: Claimed, now: datetime
             ) -> tuple[str, list[str]] | None:
    from bidbridge.api.subcontractor.events import event_json  # the wire form, as getEvents

    event = session.get(Event, claimed.event_id)
    endpoint = session.get(WebhookEndpoint, claimed.endpoint_id)
    if event is None or endpoint is None:
        return None
    body = json.dumps(event_json(event), separators=(",", ":"), ensure_ascii=False)
    return body, webhooks.signing_secrets(sealer, endpoint, now)


class Worker:
    """One delivery worker: ``run_once`` claims and delivers one batch; ``run`` loops."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session],
                 clock: Clock, *, batch: int = 8,
                 http: httpx.Client | None = None, name: str | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.batch = batch
        self.owner = name or f"worker-{uuid.uuid4().hex[:12]}"
        self.sealer = webhooks.Sealer(settings.secret_key)
        self.allowed = parse_networks(settings.webhook_allowed_networks)
        self.lease = timedelta(seconds=settings.webhook_timeout_seconds) + LEASE_MARGIN
        timeout = httpx.Timeout(settings.webhook_timeout_seconds,
                                connect=settings.webhook_connect_timeout_seconds)
        # No redirects, no proxies or certificates from the environment's settings.
        self.http = http or httpx.Client(follow_redirects=False, timeout=timeout,
                                         trust_env=False)
        self.pool = ThreadPoolExecutor(max_workers=batch, thread_name_prefix="webhook")
        self._last_purge = 0.0

    def _context(self) -> RequestContext:
        return RequestContext(Actor.system("webhook worker"), clock=self.clock)

    def run_once(self) -> int:
        now = self.clock.now()
        with self.sessions() as s, s.begin():
            claimed = claim(s, now, self.owner, self.batch, self.lease)
        if claimed:
            list(self.pool.map(self._deliver, claimed))
        return len(claimed)

    def _deliver(self, claimed: Claimed) -> None:
        now = self.clock.now()
        with self.sessions() as s:
            found = _payload(s, self.sealer, claimed, now)
        if found is None:
            return
        body, secrets = found
        msg_id = f"evt_{claimed.event_id}"
        # The signature's timestamp is the real time of sending: receivers compare it with
        # their own clock to refuse replays (standardwebhooks allows five minutes).
        sent_at = datetime.now(UTC)
        headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(sent_at.timestamp())),
                   "webhook-signature": signature_header(secrets, msg_id, sent_at, body),
                   "content-type": "application/json", "user-agent": USER_AGENT}
        with self.sessions() as s:
            url = s.scalar(select(WebhookEndpoint.url).where(
                WebhookEndpoint.id == claimed.endpoint_id))
        if url is None:
            return
        answer = send(self.http, url, headers, body.encode(), self.settings, self.allowed)
        with self.sessions() as s, s.begin():
            record(s, self._context(), claimed, answer)

    def purge(self) -> int:
        """Events past the retention go, with their deliveries (at most once an hour)."""
        if time.monotonic() - self._last_purge < 3600:
            return 0
        self._last_purge = time.monotonic()
        with self.sessions() as s, s.begin():
            return event_feed.purge_events(s, self.clock.now(), self.settings.event_retention_days)

    def run(self, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        log.info("webhook worker %s started", self.owner)
        while not stop.is_set():
            try:
                self.purge()
                if self.run_once() == 0:
                    stop.wait(poll_seconds)
            except Exception:  # a database restart must not end the worker
                log.exception("webhook worker %s: a round failed; retrying", self.owner)
                stop.wait(poll_seconds * 4)
        self.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.http.close()


def release(session: Session, owner: str) -> None:
    """Give back a stopped worker's leases at once (a killed one's simply expire)."""
    session.execute(update(WebhookDelivery).where(WebhookDelivery.lease_owner == owner,
                                                  WebhookDelivery.status == "pending")
                    .values(lease_until=None, lease_owner=None))
