"""getPhases, getBuildingSectors, getClassificationSystems, getRfpStatuses: the reference lists."""

from __future__ import annotations

from pydantic import TypeAdapter

from bidbridge.api.call import Call
from bidbridge.api.declare import Api, NoInput, function
from bidbridge.reference import BUILDING_SECTORS, CLASSIFICATION_SYSTEMS, PHASES, RFP_STATUS_LABELS
from bidbridge.wire.reference import (
    NamedOut,
    PhaseOut,
    StatusOut,
)

PHASE_LIST = TypeAdapter(list[PhaseOut])
NAME_LIST = TypeAdapter(list[NamedOut])
STATUS_LIST = TypeAdapter(list[StatusOut])


def _phases(call: Call, args: NoInput) -> list[PhaseOut]:
    return [PhaseOut(id=p.id, name=p.name, description=p.description) for p in PHASES]


def _sectors(call: Call, args: NoInput) -> list[NamedOut]:
    return [NamedOut(name=s) for s in BUILDING_SECTORS]


def _classifications(call: Call, args: NoInput) -> list[NamedOut]:
    return [NamedOut(name=s) for s in CLASSIFICATION_SYSTEMS]


def _statuses(call: Call, args: NoInput) -> list[StatusOut]:
    return [StatusOut(status=s.value, label=label) for s, label in RFP_STATUS_LABELS.items()]


def register_reference_functions(api: Api) -> None:
    """Declare the four reference functions for ``api`` (both APIs may call this)."""
    function(api=api, name="getPhases", path="/reference/phases", tag="Reference", input=NoInput,
             response=PHASE_LIST,
             summary="Project phases: the phaseId values of a project.")(_phases)
    function(api=api, name="getBuildingSectors", path="/reference/building-sectors",
             tag="Reference", input=NoInput, response=NAME_LIST,
             summary="Building sectors: the values of a project's buildingSectors.")(_sectors)
    function(api=api, name="getClassificationSystems", path="/reference/classification-systems",
             tag="Reference", input=NoInput, response=NAME_LIST,
             summary="Classification systems: the values of classificationSystems.")(
        _classifications)
    function(api=api, name="getRfpStatuses", path="/reference/rfp-statuses", tag="Reference", input=NoInput,
             response=STATUS_LIST,
             summary="The contractor's RFP statuses, in the order of an RFP's life.")(_statuses)
