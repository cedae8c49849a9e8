"""Webhook endpoints: add, list, update (and disable), delete, rotate the secret, list the
deliveries, replay events. Deliveries are signed as Standard Webhooks says."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import TypeAdapter

from bidbridge.api import cursors
from bidbridge.api.call import Call
from bidbridge.api.declare import Input, NoInput, Param, function, id_parameter
from bidbridge.api.shared import LIMIT_PATTERN, UNIX_PATTERN
from bidbridge.api.subcontractor.common import TEXT_PATTERN
from bidbridge.api.subcontractor.events import TYPES_PATTERN, parse_types
from bidbridge.clock import unix
from bidbridge.errors import InvalidParameters
from bidbridge.models import WebhookDelivery, WebhookEndpoint
from bidbridge.services import webhooks
from bidbridge.services.webhook_targets import url_problem
from bidbridge.wire.subcontractor.webhooks import (
    DeletedOut,
    DeliveryOut,
    DeliveryPageOut,
    EndpointOut,
    EndpointSecretOut,
    ReplayOut,
)

URL_PATTERN = r"^https?://[^\s]{1,1990}$"


def _ts(moment: datetime | None) -> int | None:
    return unix(moment) if moment is not None else None


def endpoint_out(e: WebhookEndpoint, now: datetime) -> EndpointOut:
    previous = (e.previous_secret_until if e.previous_secret_until is not None
                and e.previous_secret_until > now else None)
    return EndpointOut(
        endpoint_id=e.id, url=e.url, description=e.description, event_types=e.event_types,
        enabled=e.enabled, disabled_reason=e.disabled_reason, disabled_at=_ts(e.disabled_at),
        failing_since=_ts(e.failing_since), previous_secret_valid_until=_ts(previous),
        created_at=unix(e.created_at), updated_at=unix(e.updated_at))


def _checked_url(url: str) -> str:
    problem = url_problem(url)
    if problem:
        raise InvalidParameters(
            f"'url' {problem}.",
            data={"errors": [{"parameter": "url", "in": "query", "problem": "invalid",
                              "message": problem,
                              "expected": "an https:// URL of your receiver"}]})
    return url


def _types(text: str | None) -> list[str]:
    return [] if text in (None, "*") else list(parse_types(text, "eventTypes"))


URL = Param("url", "query", "Where deliveries are POSTed: your receiver's https URL. Redirects "
            "are not followed; private and loopback addresses are refused.", pattern=URL_PATTERN,
            max_length=2000, expected="an https:// URL", example="https://erp.example.com/hooks")
EVENT_TYPES_PARAM = Param(
    "eventTypes", "query", "The event types to send, comma-separated; * or left out (when "
    "adding): every type.", pattern=r"^(\*|" + TYPES_PATTERN[1:-1] + ")$", max_length=1000,
    expected="* or a comma-separated list of event types",
    example="rfp.received,message.received")
DESCRIPTION = Param("description", "query", "A note for you, up to 200 characters.",
                    pattern=TEXT_PATTERN, max_length=200, expected="text of at most 200 characters",
                    example="ERP test system")
# Event ids are 64-bit on PostgreSQL (models/events.py), unlike the ids of other rows.
EVENT_ID_PATTERN = r"^[1-9][0-9]{0,17}$"
ENDPOINT_ID = id_parameter("endpointId", "template", "The endpoint's id (endpointId).",
                           required=True, expected="a positive whole number", example=1)


class AddEndpointIn(Input):
    url: Annotated[str, Param(URL.name, URL.kind, URL.description, pattern=URL.pattern,
                              max_length=URL.max_length, expected=URL.expected,
                              example=URL.example, required=True)]
    event_types: Annotated[str | None, EVENT_TYPES_PARAM] = None
    description: Annotated[str | None, DESCRIPTION] = None


@function(
    api="subcontractor", name="addWebhookEndpoint", path="/webhook-endpoints", tag="Webhooks",
    summary="Add a webhook endpoint; the answer carries its signing secret, shown only once.",
    description=(
        "Every event of your company (of the chosen types) is POSTed to the URL as JSON, the "
        "same object getEvents gives, with the Standard Webhooks headers webhook-id (evt_<event "
        "id>, the same on every retry), webhook-timestamp and webhook-signature (v1,<base64 "
        "HMAC-SHA256 of id.timestamp.body>). Answer 2xx within 15 s. Failed attempts are "
        "retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (about three "
        "days); an answer of 410 disables the endpoint, and so do three days of failures. "
        "Events of one RFP are delivered one after the other, in order. At most 10 endpoints."),
    input=AddEndpointIn, response=EndpointSecretOut, status=201,
    errors=["too_many_endpoints"], idempotent_writes=True,
)
def add_webhook_endpoint(call: Call, args: AddEndpointIn) -> EndpointSecretOut:
    row, secret = webhooks.add_endpoint(
        call.session, call.ctx, webhooks.Sealer(call.runtime.settings.secret_key),
        call.principal.company_id, url=_checked_url(args.url),
        event_types=_types(args.event_types),
        description=args.description)
    out = endpoint_out(row, call.ctx.now())
    return EndpointSecretOut(**out.model_dump(), secret=secret)


ENDPOINTS = TypeAdapter(list[EndpointOut])


@function(
    api="subcontractor", name="getWebhookEndpoints", path="/webhook-endpoints", tag="Webhooks",
    summary="Your webhook endpoints (never their secrets).", input=NoInput, response=ENDPOINTS,
)
def get_webhook_endpoints(call: Call, args: NoInput) -> list[EndpointOut]:
    now = call.ctx.now()
    return [endpoint_out(e, now)
            for e in webhooks.list_endpoints(call.session, call.principal.company_id)]


class UpdateEndpointIn(Input):
    endpoint_id: Annotated[int, ENDPOINT_ID]
    url: Annotated[str | None, URL] = None
    event_types: Annotated[str | None, EVENT_TYPES_PARAM] = None
    description: Annotated[str | None, DESCRIPTION] = None
    enabled: Annotated[bool | None, Param(
        "enabled", "query", "0 disables the endpoint: deliveries already queued wait, new "
        "events are not queued for it; 1 enables it again and sends what waited (replay a time "
        "range for the events in between).", pattern=r"^(0|1)$", type="boolean",
        expected="0 or 1", example=1)] = None


@function(
    api="subcontractor", name="updateWebhookEndpoint", path="/webhook-endpoints/{endpointId}",
    tag="Webhooks", summary="Change an endpoint's URL, event types or note; disable or enable it.",
    description="Only what you send changes. eventTypes=* sends every type again.",
    input=UpdateEndpointIn, response=EndpointOut, errors=["not_found"], idempotent_writes=True,
)
def update_webhook_endpoint(call: Call, args: UpdateEndpointIn) -> EndpointOut:
    endpoint = webhooks.endpoint_of(call.session, call.principal.company_id, args.endpoint_id)
    types = _types(args.event_types) if args.event_types is not None else None
    webhooks.update_endpoint(call.session, call.ctx, endpoint,
                             url=_checked_url(args.url) if args.url is not None else None,
                             event_types=types, description=args.description,
                             enabled=args.enabled)
    return endpoint_out(endpoint, call.ctx.now())


class DeleteEndpointIn(Input):
    endpoint_id: Annotated[int, ENDPOINT_ID]
    confirm: Annotated[str, Param(
        "confirm", "query", "delete: the endpoint and its delivery history go for good.",
        pattern=r"^delete$", required=True, expected="the word delete", example="delete")]


@function(
    api="subcontractor", name="deleteWebhookEndpoint",
    path="/webhook-endpoints/{endpointId}/delete", tag="Webhooks",
    summary="Delete an endpoint with its deliveries (to pause it, disable it instead).",
    input=DeleteEndpointIn, response=DeletedOut, errors=["not_found"], idempotent_writes=True,
)
def delete_webhook_endpoint(call: Call, args: DeleteEndpointIn) -> DeletedOut:
    endpoint = webhooks.endpoint_of(call.session, call.principal.company_id, args.endpoint_id)
    webhooks.delete_endpoint(call.session, call.ctx, endpoint)
    return DeletedOut(endpoint_id=args.endpoint_id, deleted=True)


class RotateIn(Input):
    endpoint_id: Annotated[int, ENDPOINT_ID]
    overlap_hours: Annotated[int, Param(
        "overlapHours", "query", "Hours the old secret keeps signing beside the new one, 0–24 "
        "(default 24; 0 if the old secret leaked).", pattern=r"^([0-9]|1[0-9]|2[0-4])$",
        type="integer", expected="a whole number from 0 to 24", example=24, default=24)] = 24


@function(
    api="subcontractor", name="rotateWebhookSecret",
    path="/webhook-endpoints/{endpointId}/rotate-secret", tag="Webhooks",
    summary="A new signing secret, shown once; the old one keeps signing beside it for 24 h.",
    description=(
        "During the overlap every delivery's webhook-signature carries two signatures "
        "(v1,<new> v1,<old>): deploy the new secret to your receiver within it."),
    input=RotateIn, response=EndpointSecretOut, errors=["not_found"], idempotent_writes=True,
)
def rotate_webhook_secret(call: Call, args: RotateIn) -> EndpointSecretOut:
    endpoint = webhooks.endpoint_of(call.session, call.principal.company_id, args.endpoint_id)
    secret = webhooks.rotate_secret(call.session, call.ctx,
                                    webhooks.Sealer(call.runtime.settings.secret_key), endpoint,
                                    overlap_hours=args.overlap_hours)
    out = endpoint_out(endpoint, call.ctx.now())
    return EndpointSecretOut(**out.model_dump(), secret=secret)


def delivery_out(d: WebhookDelivery, event_type: str) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=d.id, event_id=d.event_id, webhook_id=f"evt_{d.event_id}",
        event_type=event_type, status=d.status, attempts=d.attempts,
        next_attempt_at=unix(d.next_attempt_at) if d.status == "pending" else None,
        last_attempt_at=_ts(d.last_attempt_at), last_status_code=d.last_status_code,
        last_error=d.last_error, delivered_at=_ts(d.delivered_at), replay=d.replay,
        created_at=unix(d.created_at))


class DeliveriesIn(Input):
    endpoint_id: Annotated[int, ENDPOINT_ID]
    cursor: Annotated[str | None, Param(
        "cursor", "query", "The nextCursor of the previous page.",
        pattern=r"^[A-Za-z0-9_-]{1,200}$", expected="a nextCursor value")] = None
    limit: Annotated[int, Param(
        "limit", "query", "Deliveries per page, 1–200 (default 50).", pattern=LIMIT_PATTERN,
        type="integer", expected="a whole number from 1 to 200", example=50, default=50)] = 50


@function(
    api="subcontractor", name="getWebhookDeliveries",
    path="/webhook-endpoints/{endpointId}/deliveries", tag="Webhooks",
    summary="An endpoint's deliveries, newest first: status, attempts, last answer and time.",
    input=DeliveriesIn, response=DeliveryPageOut, errors=["not_found"], read_only=True,
)
def get_webhook_deliveries(call: Call, args: DeliveriesIn) -> DeliveryPageOut:
    endpoint = webhooks.endpoint_of(call.session, call.principal.company_id, args.endpoint_id)
    before = cursors.after_id(args.cursor, function="getWebhookDeliveries") if args.cursor else None
    rows, more = webhooks.deliveries_of(call.session, endpoint, after_id=before,
                                        limit=args.limit)
    return DeliveryPageOut(deliveries=[delivery_out(d, t) for d, t in rows],
                           next_cursor=cursors.by_id(rows[-1][0].id) if more else None)


class ReplayIn(Input):
    endpoint_id: Annotated[int, ENDPOINT_ID]
    event_id: Annotated[int | None, Param(
        "eventId", "query", "The one event to send again.", pattern=EVENT_ID_PATTERN, type="integer",
        expected="an event id from getEvents or getWebhookDeliveries")] = None
    since: Annotated[int | None, Param(
        "since", "query", "Send every event at or after this moment again (with until).",
        pattern=UNIX_PATTERN, type="integer", expected="unix seconds",
        example=1767225600)] = None
    until: Annotated[int | None, Param(
        "until", "query", "…and before this moment.", pattern=UNIX_PATTERN, type="integer",
        expected="unix seconds", example=1767312000)] = None


@function(
    api="subcontractor", name="replayWebhookEvents",
    path="/webhook-endpoints/{endpointId}/replay", tag="Webhooks",
    summary="Send one event, or every event of a time range, to the endpoint again.",
    description=(
        "Give eventId, or since and until (at most 1,000 events). Only types the endpoint takes "
        "are sent; the webhook-id is the event's, as on the first delivery, so a receiver that "
        "deduplicates skips what it already has."),
    input=ReplayIn, response=ReplayOut, errors=["not_found", "replay_too_large"],
    idempotent_writes=True,
)
def replay_webhook_events(call: Call, args: ReplayIn) -> ReplayOut:
    endpoint = webhooks.endpoint_of(call.session, call.principal.company_id, args.endpoint_id)
    if (args.event_id is None) == (args.since is None or args.until is None):
        raise InvalidParameters(
            "replayWebhookEvents: give eventId, or since and until (not both, not neither).",
            data={"errors": [{"parameter": "eventId", "in": "query", "problem": "missing",
                              "message": "eventId, or since and until",
                              "expected": "an event id, or a time range"}]})
    queued = webhooks.replay(
        call.session, call.ctx, endpoint, event_id=args.event_id,
        since=datetime.fromtimestamp(args.since, UTC) if args.since is not None else None,
        until=datetime.fromtimestamp(args.until, UTC) if args.until is not None else None)
    return ReplayOut(endpoint_id=endpoint.id, queued=queued)


assert len(webhooks.BACKOFF) == 9  # the description above spells the schedule out
