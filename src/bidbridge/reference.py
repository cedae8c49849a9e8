"""The reference lists both APIs share, defined once: phases, sectors, classifications, statuses.

Validation (addProject) and the reference functions (getPhases, …) read these, so the lists a
caller may send and the lists a caller can fetch can never differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bidbridge.models.tendering import RfpStatus


@dataclass(frozen=True)
class Phase:
    id: int
    name: str  # as the trade says it (Dutch)
    description: str  # in English


PHASES: tuple[Phase, ...] = (
    Phase(1, "Calculatie", "estimating"),
    Phase(2, "Inkoop", "purchasing"),
    Phase(3, "Uitvoering", "execution"),
)
PHASE_IDS: frozenset[int] = frozenset(p.id for p in PHASES)

BUILDING_SECTORS: tuple[str, ...] = (
    "Bouw",
    "Infra",
    "Woningbouw",
    "Utiliteitsbouw",
    "Grondwerk",
    "Wegenbouw",
    "Waterbouw",
    "Offshore Maritiem",
)

CLASSIFICATION_SYSTEMS: tuple[str, ...] = ("STABU", "NL-SfB", "RAW")

# The trades a subcontractor works in (companies.trades), as contractors search for them.
TRADES: tuple[str, ...] = (
    "Grondwerk",
    "Betonwerk",
    "Metselwerk",
    "Staalbouw",
    "Timmerwerk",
    "Dakwerk",
    "Gevelbekleding",
    "Kozijnen en glas",
    "Stukadoorswerk",
    "Tegelwerk",
    "Vloeren",
    "Schilderwerk",
    "Elektrotechnische installaties",
    "Werktuigbouwkundige installaties",
    "Sanitair",
    "Liften",
    "Terreininrichting",
)

# In the order of an RFP's life, as the contractor's status column shows them.
RFP_STATUS_LABELS: dict[RfpStatus, str] = {
    RfpStatus.UNKNOWN: "Unknown",
    RfpStatus.PENDING: "Pending",
    RfpStatus.CALCULATING: "Calculating",
    RfpStatus.NOT_CALCULATING: "Not calculating",
    RfpStatus.PROPOSAL_TO_FOLLOW: "Proposal to follow",
    RfpStatus.PROPOSAL: "Proposal",
    RfpStatus.WITHIN_BUDGET: "Within budget",
    RfpStatus.AWARDED: "Awarded",
    RfpStatus.NOT_AWARDED: "Not awarded",
}
assert set(RFP_STATUS_LABELS) == set(RfpStatus), "every RFP status needs a label"


def alternation(values: tuple[str, ...] | list[str]) -> str:
    """A regex group matching exactly one of ``values`` (escaped), for anchored patterns."""
    return "(" + "|".join(re.escape(v) for v in values) + ")"
