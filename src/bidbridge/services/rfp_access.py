"""Which of its company's RFPs a person may see: all of them, or for an "other contact" (created
by a contractor for one invitation) only the RFPs they were invited to.

The web pages load every RFP through ``rfp_for_person``; an RFP the person may not see reads
exactly like another company's: not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from bidbridge.errors import NotFound
from bidbridge.models import Contact, ContactType, Rfp
from bidbridge.services.scoping import RFP_OF_SUBCONTRACTOR, load


@dataclass(frozen=True)
class Viewer:
    company_id: int
    contact_id: int
    only_invited: bool  # an "other contact": sees only RFPs with invited_contact_id = contact_id


def viewer_for(session: Session, contact_id: int, company_id: int) -> Viewer:
    contact = session.get(Contact, contact_id)
    if contact is None or contact.company_id != company_id:
        raise NotFound("There is no such contact in your company.", code="not_found")
    return Viewer(company_id, contact.id, contact.contact_type is ContactType.OTHER)


def visible_rfps(viewer: Viewer) -> ColumnElement[bool]:
    """The condition, beside the company's own, for the RFPs this person sees."""
    return Rfp.invited_contact_id == viewer.contact_id if viewer.only_invited else true()


def rfp_for_person(session: Session, viewer: Viewer, rfp_id: int, *,
                   for_update: bool = False) -> Rfp:
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=viewer.company_id, for_update=for_update)
    if viewer.only_invited and rfp.invited_contact_id != viewer.contact_id:
        raise NotFound(f"There is no RFP {rfp_id} for your company. List yours with getRfps.",
                       code="not_found", data={"resource": "rfp", "id": rfp_id})
    return rfp
