"""The subcontractor side of the workspace: who may use it, and parsing what its forms send."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.exceptions import HTTPException

from bidbridge.errors import InvalidParameters
from bidbridge.ids import MAX_ID
from bidbridge.models import CompanyKind
from bidbridge.services.rfp_access import Viewer, viewer_for
from bidbridge.web.fields import record_id
from bidbridge.web.unit_of_work import Acting, ActingContact


@dataclass(frozen=True)
class Bidder:
    """A contact of a subcontractor company acting on its RFPs."""

    acting: Acting
    viewer: Viewer


def bidder(acting: ActingContact) -> Bidder:
    """Dependency: a subcontractor's contact; a contractor's people get 'not found' here."""
    if acting.user.company_kind != CompanyKind.SUBCONTRACTOR.value:
        raise HTTPException(404, "Not Found")
    return Bidder(acting, viewer_for(acting.db, acting.user.id, acting.company_id))


BidderDep = Annotated[Bidder, Depends(bidder)]


def field_problem(name: str, message: str, expected: str) -> InvalidParameters:
    return InvalidParameters(f"{name}: {message}", data={"errors": [{
        "parameter": name, "in": "query", "problem": "invalid", "message": message,
        "expected": expected}]})


def optional_id(raw: str | None, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    found = record_id(raw)
    if found is None:
        raise field_problem(name, f"{raw!r} is not an id", f"a whole number from 1 to {MAX_ID}")
    return found


def choice(raw: str | None, name: str, allowed: list[str]) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise field_problem(name, f"{raw!r} is not one of the choices",
                            "one of " + ", ".join(allowed))
    return raw
