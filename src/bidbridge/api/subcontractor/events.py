"""getEvents: the change feed, and the event models (one JSON Schema per event type)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, create_model

from bidbridge.api import cursor_numbers
from bidbridge.api.call import Call
from bidbridge.api.declare import ApiModel, Input, Param, function
from bidbridge.api.shared import CURSOR_PATTERN, LIMIT_PATTERN
from bidbridge.api.subcontractor.common import ID_PATTERN
from bidbridge.api.subcontractor.documents import DocumentOut
from bidbridge.api.subcontractor.messages import MessageOut
from bidbridge.api.subcontractor.proposals import ProposalOut
from bidbridge.api.subcontractor.rfp_models import RfpOut
from bidbridge.clock import unix
from bidbridge.errors import InvalidParameters
from bidbridge.models import Event
from bidbridge.services import event_feed
from bidbridge.services.event_feed import FeedFilter, Position
from bidbridge.services.events import EVENT_TYPES


class ModuleOut(ApiModel):
    company_id: int
    active: bool
    changed_at: int


class ApiKeyEventOut(ApiModel):
    key_prefix: str = Field(description="The new key's public beginning (bb_<key id>_…).")
    created_at: int


class EndpointRefOut(ApiModel):
    endpoint_id: int
    url: str
    enabled: bool
    disabled_reason: str | None


OBJECTS: dict[str, type[ApiModel]] = {
    "rfp": RfpOut, "document": DocumentOut, "message": MessageOut, "proposal": ProposalOut,
    "company": ModuleOut, "api_key": ApiKeyEventOut, "webhook_endpoint": EndpointRefOut,
}


def _model_name(event_type: str) -> str:
    return "".join(part.capitalize() for part in event_type.replace(".", "_").split("_")) + "Event"


def _event_model(event_type: str) -> type[ApiModel]:
    known = EVENT_TYPES[event_type]
    model = create_model(
        _model_name(event_type), __base__=ApiModel, __doc__=known.description,
        id=(int, Field(description="The event's id; webhook-id is evt_<id>.")),
        type=(Literal[event_type], ...),  # type: ignore[arg-type]
        occurred_at=(int, Field(description="Unix seconds.")),
        subject_type=(Literal[known.subject_type], ...),  # type: ignore[arg-type]
        subject_id=(int, ...),
        rfp_id=(int | None, Field(description="The RFP the event concerns, if any.")),
        object=(OBJECTS[known.subject_type], Field(
            description="The subject as the read functions render it at that moment.")),
        data=(dict[str, Any], Field(default_factory=dict, description=(
            "What the event adds, e.g. changed: the fields of an rfp.changed."))),
    )
    return model


EVENT_MODELS: dict[str, type[ApiModel]] = {name: _event_model(name) for name in EVENT_TYPES}
AnyEvent = Annotated[Union[tuple(EVENT_MODELS.values())],  # type: ignore[valid-type]  # noqa: UP007
                     Field(discriminator="type")]
EVENT = TypeAdapter[Any](AnyEvent)  # type: ignore[arg-type]


def event_out(row: Event) -> Any:
    body = row.payload
    return EVENT.validate_python({
        "id": row.id, "type": row.type, "occurredAt": unix(row.occurred_at),
        "subjectType": row.subject_type, "subjectId": row.subject_id, "rfpId": row.rfp_id,
        "object": body.get("object"), "data": body.get("data", {})})


def event_json(row: Event) -> dict[str, Any]:
    """The event as getEvents and a webhook's body carry it."""
    return EVENT.dump_python(event_out(row), mode="json", by_alias=True)


class EventPageOut(ApiModel):
    events: list[AnyEvent]  # type: ignore[valid-type]
    next_cursor: str = Field(description=(
        "Where you are: pass it as cursor next time, also when events is empty (it then stays "
        "valid as long as you call at least once every retention period, 30 days)."))
    has_more: bool = Field(description="True when more events are ready now: call again at once.")


def encode_cursor(p: Position) -> str:
    raw = f"e1:{p.txid}:{p.id}:{unix(p.at)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, txid, event_id, at = text.split(":")
        if tag != "e1":
            raise ValueError(tag)
        return Position(cursor_numbers.number(txid, 2**63 - 1),
                        cursor_numbers.number(event_id, 2**63 - 1),
                        datetime.fromtimestamp(cursor_numbers.number(at, 253402214400), UTC))
    except (ValueError, UnicodeDecodeError, OverflowError) as exc:
        raise InvalidParameters(
            "'cursor' is not a cursor getEvents handed out. Pass the nextCursor of the previous "
            "answer unchanged, or leave it out to start at the oldest event kept.",
            data={"errors": [{"parameter": "cursor", "in": "query", "problem": "invalid",
                              "message": "not a nextCursor of getEvents"}]}) from exc


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
    subject_id: Annotated[int | None, Param(
        "subjectId", "query", "Only events about the subject with this id (with subjectType).",
        pattern=ID_PATTERN, type="integer", expected="a positive whole number")] = None
    rfp_id: Annotated[int | None, Param(
        "rfpId", "query", "Only events concerning this RFP (the RFP itself, its documents, "
        "messages and proposals).", pattern=ID_PATTERN, type="integer",
        expected="an RFP id")] = None
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
