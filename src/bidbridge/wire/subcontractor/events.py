"""The change feed on the wire: the catalog of event types, and one model per type whose
``object`` is the subject as the read functions render it (getRfp, getDocuments, …)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, create_model

from bidbridge.wire import ApiModel
from bidbridge.wire.subcontractor.documents import DocumentOut
from bidbridge.wire.subcontractor.messages import MessageOut
from bidbridge.wire.subcontractor.proposals import ProposalOut
from bidbridge.wire.subcontractor.rfps import RfpOut


@dataclass(frozen=True)
class EventType:
    name: str
    subject_type: str
    description: str


# Every type a company can receive.
EVENT_TYPES: dict[str, EventType] = {t.name: t for t in (
    EventType("rfp.received", "rfp", "A contractor invited you to an RFP, or a partner "
              "forwarded one to you."),
    EventType("rfp.changed", "rfp", "Something shown by getRfp changed: the deadline or other "
              "project or workpackage fields, the shared status, the budget lines, your "
              "response. data.changed names what."),
    EventType("rfp.forwarded", "rfp", "You handed the RFP to a partner."),
    EventType("rfp.outcome", "rfp", "The contractor decided: getRfp's outcome became awarded, "
              "not_awarded or cancelled (data.outcome)."),
    EventType("addendum.published", "rfp", "The contractor published an addendum to the RFP's "
              "workpackage (data.addendumNumber): acknowledge it (getAddenda, "
              "acknowledgeAddendum) before you submit; an earlier proposal needs "
              "reconfirmation."),
    EventType("question.answered", "rfp", "A question on the RFP's workpackage was answered "
              "for every bidder (data.questionId; getQuestions)."),
    EventType("document.added", "document", "A tender document was added to the RFP."),
    EventType("document.replaced", "document", "A tender document got a new version."),
    EventType("message.received", "message", "The contractor wrote on the RFP's thread."),
    EventType("proposal.submitted", "proposal", "Your company submitted a proposal version."),
    EventType("proposal.withdrawn", "proposal", "Your company withdrew a proposal version."),
    EventType("api_module.activated", "company", "The API module was switched on."),
    EventType("api_module.deactivated", "company", "The API module was switched off."),
    EventType("api_key.regenerated", "api_key", "The API user generated a new API key; tokens "
              "of the old one stopped working."),
    EventType("webhook_endpoint.disabled", "webhook_endpoint", "A webhook endpoint was disabled "
              "by the platform: it answered 410, or failed for days."),
)}

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


class EventPageOut(ApiModel):
    events: list[AnyEvent]  # type: ignore[valid-type]
    next_cursor: str = Field(description=(
        "Where you are: pass it as cursor next time, also when events is empty (it then stays "
        "valid as long as you call at least once every retention period, 30 days)."))
    has_more: bool = Field(description="True when more events are ready now: call again at once.")
