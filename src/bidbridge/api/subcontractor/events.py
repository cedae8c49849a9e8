"""getEvents: the change feed, and the event models (one JSON Schema per event type)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from bidbridge.api import cursors
from bidbridge.api.call import Call
from bidbridge.api.declare import Input, Param, function, id_parameter
from bidbridge.api.shared import CURSOR_PATTERN, LIMIT_PATTERN
from bidbridge.clock import unix
from bidbridge.errors import InvalidParameters
from bidbridge.models import Event
from bidbridge.services import event_feed
from bidbridge.services.event_feed import FeedFilter, Position
from bidbridge.wire.subcontractor.events import (  # noqa: F401  (re-exported)
    EVENT,
    EVENT_MODELS,
    EVENT_TYPES,
    OBJECTS,
    AnyEvent,
    ApiKeyEventOut,
    EndpointRefOut,
    EventPageOut,
    EventType,
    ModuleOut,
)


def event_out(row: Event) -> Any:
    body = row.payload
    return EVENT.validate_python({
        "id": row.id, "type": row.type, "occurredAt": unix(row.occurred_at),
        "subjectType": row.subject_type, "subjectId": row.subject_id, "rfpId": row.rfp_id,
        "object": body.get("object"), "data": body.get("data", {})})


def event_json(row: Event) -> dict[str, Any]:
    """The event as getEvents and a webhook's body carry it."""
    return EVENT.dump_python(event_out(row), mode="json", by_alias=True)


def encode_cursor(p: Position) -> str:
    return cursors.encode("e1", p.txid, p.id, unix(p.at))


def decode_cursor(cursor: str) -> Position:
    txid, event_id, at = cursors.decode(cursor, "e1", 3, function="getEvents")
    try:
        return Position(cursors.number(txid, 2**63 - 1), cursors.number(event_id, 2**63 - 1),
                        datetime.fromtimestamp(cursors.number(at, 253402214400), UTC))
    except (ValueError, OverflowError) as exc:
        raise cursors.refused("cursor", "getEvents") from exc


TYPES_PATTERN = r"^[a-z_]+\.[a-z_]+(,[a-z_]+\.[a-z_]+){0,19}$"
SUBJECT_TYPES = sorted({t.subject_type for t in EVENT_TYPES.values()})


def parse_types(text: str | None, parameter: str = "types") -> tuple[str, ...]:
    if not text:
        return ()
    names = tuple(dict.fromkeys(t for t in text.split(",")))
    unknown = [n for n in names if n not in EVENT_TYPES]
    if unknown:
        raise InvalidParameters(
            f"'{parameter}': unknown event type {', '.join(unknown)}. Known types: "
            + ", ".join(EVENT_TYPES) + ".",
            data={"errors": [{"parameter": parameter, "in": "query", "problem": "invalid",
                              "message": "unknown event type " + ", ".join(unknown),
                              "expected": "a comma-separated list of " + ", ".join(EVENT_TYPES)}]})
    return names


class GetEventsIn(Input):
    cursor: Annotated[str | None, Param(
        "cursor", "query", "The nextCursor of your previous call; leave it out the first time "
        "(from the oldest event kept).", pattern=CURSOR_PATTERN,
        expected="a nextCursor value from getEvents")] = None
    types: Annotated[str | None, Param(
        "types", "query", "Only these event types, comma-separated (e.g. "
        "rfp.received,message.received).", pattern=TYPES_PATTERN,
        expected="a comma-separated list of event types", example="rfp.received,rfp.changed",
        max_length=1000)] = None
    subject_type: Annotated[str | None, Param(
        "subjectType", "query", "Only events about this kind of subject.",
        pattern="^(" + "|".join(SUBJECT_TYPES) + ")$",
        expected="one of " + ", ".join(SUBJECT_TYPES), example="rfp")] = None
    subject_id: Annotated[int | None, id_parameter(
        "subjectId", "query", "Only events about the subject with this id (with subjectType).",
        expected="a positive whole number")] = None
    rfp_id: Annotated[int | None, id_parameter(
        "rfpId", "query", "Only events concerning this RFP (the RFP itself, its documents, "
        "messages and proposals).", expected="an RFP id")] = None
    limit: Annotated[int, Param(
        "limit", "query", "Events per answer, 1–200 (default 100).", pattern=LIMIT_PATTERN,
        type="integer", expected="a whole number from 1 to 200", example=100,
        default=100)] = 100


@function(
    api="subcontractor", name="getEvents", path="/events", tag="Events",
    summary="The change feed: every event of your company after a cursor, in order, exactly once.",
    description=(
        "Follow nextCursor and you see every event once, in the order the changes committed, "
        "even when transactions commit out of order: an event is served only once every "
        "transaction that started before it has finished, so it may show a moment after its "
        "occurredAt. Each event carries the subject as getRfp, getDocuments, getMessages or "
        "getProposals rendered it then. Events are kept for 30 days: an older cursor answers "
        "410 cursor_expired — run a full sync with getRfps, then follow the feed again from a "
        "fresh cursor. The same events go to your webhook endpoints."),
    input=GetEventsIn, response=EventPageOut, errors=["cursor_expired"], read_only=True,
)
def get_events(call: Call, args: GetEventsIn) -> EventPageOut:
    if args.subject_id is not None and args.subject_type is None:
        raise InvalidParameters(
            "'subjectId' needs 'subjectType': ids are per kind of subject.",
            data={"errors": [{"parameter": "subjectType", "in": "query", "problem": "missing",
                              "message": "required with subjectId",
                              "expected": "one of " + ", ".join(SUBJECT_TYPES)}]})
    filters = FeedFilter(types=parse_types(args.types), subject_type=args.subject_type,
                         subject_id=args.subject_id, rfp_id=args.rfp_id)
    after = decode_cursor(args.cursor) if args.cursor else None
    settings = call.runtime.settings
    page = event_feed.read_feed(call.session, call.principal.company_id, after, filters,
                                limit=args.limit, now=call.ctx.now(),
                                retention_days=settings.event_retention_days)
    return EventPageOut(events=[event_out(r) for r in page.rows],
                        next_cursor=encode_cursor(page.next), has_more=page.more)
