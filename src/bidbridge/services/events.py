"""Events for integrators: ``emit`` adds one to the transaction of the change it describes.

Call it from a service, after the change is made (the payload is rendered from the session's
current state): ``events.emit(session, ctx, "rfp.changed", company_id=rfp.company_id,
subject_type="rfp", subject_id=rfp.id, rfp_id=rfp.id, data={"changed": ["deadline"]})``.
The event commits with the change or not at all; webhook deliveries (the outbox) are queued in
the same transaction. ``emit_for_rfps`` sends one event per RFP to each RFP's company.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from bidbridge.models import ApiModule, Event, Rfp, WebhookDelivery, WebhookEndpoint
from bidbridge.services.context import RequestContext
from bidbridge.wire.subcontractor.events import EVENT_TYPES as EVENT_TYPES  # the catalog

# (session, ctx, company_id, subject_id, rfp_id) -> the subject as the read functions render it.
Renderer = Callable[[Session, RequestContext, int, int, int | None], dict[str, Any]]
RENDERERS: dict[str, Renderer] = {}


def renders(subject_type: str) -> Callable[[Renderer], Renderer]:
    """Register how a subject type is rendered (the API layer does, with its output models)."""
    def register(fn: Renderer) -> Renderer:
        RENDERERS[subject_type] = fn
        return fn
    return register


def _render(session: Session, ctx: RequestContext, subject_type: str, company_id: int,
            subject_id: int, rfp_id: int | None) -> dict[str, Any]:
    if subject_type not in RENDERERS:
        # The renderers live beside the output models; import them on first need (a CLI or a
        # test may call a service before anything imported the API).
        import bidbridge.api.event_payloads  # noqa: F401
    return RENDERERS[subject_type](session, ctx, company_id, subject_id, rfp_id)


def emit(session: Session, ctx: RequestContext, type: str, *, company_id: int,
         subject_type: str | None = None, subject_id: int, rfp_id: int | None = None,
         payload: dict[str, Any] | None = None, data: dict[str, Any] | None = None) -> Event:
    """Add event ``type`` for ``company_id`` to the session's transaction.

    ``payload`` is the subject as the read functions render it; left out, it is rendered now by
    the subject type's renderer. ``data`` is what the event adds (e.g. which fields changed).
    """
    known = EVENT_TYPES[type]
    subject_type = subject_type or known.subject_type
    session.flush()
    body = payload if payload is not None else _render(session, ctx, subject_type,
                                                       company_id, subject_id, rfp_id)
    row = Event(company_id=company_id, type=type, occurred_at=ctx.now(),
                subject_type=subject_type, subject_id=subject_id, rfp_id=rfp_id,
                payload={"object": body, **({"data": data} if data else {})},
                request_id=ctx.request_id)
    if session.get_bind().dialect.name == "postgresql":
        # The writing transaction's id: the feed serves an event only once every transaction
        # with a smaller id has finished (services/event_feed.py).
        row.txid = literal_column("pg_current_xact_id()::text::bigint")
    else:
        row.txid = 0  # SQLite has one writer at a time: ids are in commit order
    session.add(row)
    session.flush()
    _queue_deliveries(session, row)
    return row


def emit_for_rfps(session: Session, ctx: RequestContext, type: str, rfps: Iterable[Rfp], *,
                  data: dict[str, Any] | None = None) -> list[Event]:
    """``type`` (an RFP event) once per RFP, each to the RFP's own company."""
    return [emit(session, ctx, type, company_id=rfp.company_id, subject_id=rfp.id, rfp_id=rfp.id,
                 data=data) for rfp in rfps]


def subject_key(event: Event) -> str:
    """Deliveries of one key keep their order: an RFP's events, and its documents' and
    messages', go out one after the other."""
    if event.rfp_id is not None:
        return f"rfp:{event.rfp_id}"
    return f"{event.subject_type}:{event.subject_id}"


def _queue_deliveries(session: Session, event: Event) -> None:
    """One outbox row per enabled endpoint that takes the type. A company whose API module is
    off gets nothing by webhook (as its tokens get nothing), but the news that it went off."""
    query = select(WebhookEndpoint).where(WebhookEndpoint.company_id == event.company_id,
                                          WebhookEndpoint.enabled.is_(True))
    if event.type != "api_module.deactivated":
        query = query.join(ApiModule, ApiModule.company_id == WebhookEndpoint.company_id).where(
            ApiModule.active.is_(True))
    endpoints = session.scalars(query)
    for endpoint in endpoints:
        if endpoint.event_types and event.type not in endpoint.event_types:
            continue
        session.add(WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event.id, company_id=event.company_id,
            subject_key=subject_key(event), status="pending", attempts=0,
            next_attempt_at=event.occurred_at, replay=False, created_at=event.occurred_at))


def rfps_under(session: Session, *, project_id: int | None = None,
               workpackage_id: int | None = None) -> list[Rfp]:
    """Every RFP of a workpackage, or of a project: the RFPs a contractor's change reaches."""
    condition = (Rfp.workpackage_id == workpackage_id if workpackage_id is not None
                 else Rfp.project_id == project_id)
    return list(session.scalars(select(Rfp).where(condition).order_by(Rfp.id)))


def rfps_changed(session: Session, ctx: RequestContext, changed: list[str], *,
                 project_id: int | None = None, workpackage_id: int | None = None) -> list[Event]:
    """rfp.changed to every company invited under the project or workpackage."""
    found = rfps_under(session, project_id=project_id, workpackage_id=workpackage_id)
    return emit_for_rfps(session, ctx, "rfp.changed", found, data={"changed": changed})
