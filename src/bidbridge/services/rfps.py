"""A subcontractor's view of one RFP, and its response (calculate, pending or decline)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from bidbridge.errors import Conflict, NotFound
from bidbridge.models import (
    BudgetLine,
    Company,
    Contact,
    ContactType,
    Document,
    Message,
    Project,
    Proposal,
    ProposalState,
    Rfp,
    RfpResponse,
    RfpStatus,
    Workpackage,
)
from bidbridge.prepared import Prepared, Record, columns_of, json_rows, json_rows_of, records
from bidbridge.services import events
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.services.scoping import MAX_ID, RFP_OF_SUBCONTRACTOR, load, touch_rfp
from bidbridge.services.tender_rules import ensure_open

RESPONSE_STATUS = {
    RfpResponse.CALCULATE: RfpStatus.CALCULATING,
    RfpResponse.PENDING: RfpStatus.PENDING,
    RfpResponse.DECLINE: RfpStatus.NOT_CALCULATING,
}
# A proposal is in, or the contractor has judged or decided: a response is recorded, the status
# stays.
BEYOND_RESPONSE = frozenset({RfpStatus.PROPOSAL, RfpStatus.WITHIN_BUDGET, RfpStatus.AWARDED,
                             RfpStatus.NOT_AWARDED})


def status_after_response(current: RfpStatus, response: RfpResponse) -> RfpStatus:
    """The contractor's status once the subcontractor answers; never a step backwards.

    "Proposal to follow" already says "calculating, and a price will come", so calculate keeps it.
    """
    if current in BEYOND_RESPONSE:
        return current
    if current is RfpStatus.PROPOSAL_TO_FOLLOW and response is RfpResponse.CALCULATE:
        return current
    return RESPONSE_STATUS[response]


def current_proposal(session: Session, rfp_id: int) -> Proposal | None:
    """The newest submitted version that was neither withdrawn nor superseded."""
    return session.scalar(
        select(Proposal).where(Proposal.rfp_id == rfp_id, Proposal.state == ProposalState.SUBMITTED,
                               Proposal.superseded_at.is_(None))
        .order_by(Proposal.version.desc()).limit(1))


def ensure_no_standing_proposal(session: Session, rfp: Rfp, action: str) -> None:
    """Declining or forwarding while a proposal stands would leave the contractor a price from
    a company that says it does not calculate."""
    proposal = current_proposal(session, rfp.id)
    if proposal is not None:
        raise Conflict(
            f"Your proposal version {proposal.version} on RFP {rfp.id} still stands; {action} "
            f"would contradict it. Withdraw it first (withdrawProposal, proposal {proposal.id}).",
            code="proposal_submitted",
            data={"proposalId": proposal.id, "version": proposal.version})


def respond_to_rfp(session: Session, ctx: RequestContext, company_id: int, rfp_id: int,
                   response: RfpResponse, note: str | None) -> Rfp:
    """Record the answer, move the contractor's status (never backwards), touch the RFP."""
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id, for_update=True)
    now = ctx.now()
    # Not refused after an award: a refusal would reveal a status the contractor may keep
    # internal. The response is recorded; the award stands (see BEYOND_RESPONSE).
    ensure_open(rfp, now, "responding")
    if response is RfpResponse.DECLINE:
        ensure_no_standing_proposal(session, rfp, "declining")
    before = rfp.status
    previous_response = rfp.response
    rfp.response = response
    rfp.response_note = note
    rfp.responded_at = now
    rfp.responded_by_name = ctx.actor.name
    rfp.status = status_after_response(before, response)
    touch_rfp(rfp, now)
    label = f"{rfp.workpackage.name} ({rfp.project.name})"
    # The subcontractor's own trail never carries the contractor's status unless it is shared.
    record_event(session, ctx, "rfp.responded", company_id=company_id, target_type="rfp",
                 target_id=rfp.id, target_label=label,
                 data={"response": response.value, "note": note,
                       "previousResponse": previous_response.value if previous_response else None,
                       "status": rfp.status.value if rfp.status_shared else None})
    if rfp.status != before:
        record_status_change(session, ctx, rfp, before, cause="response")
    changed = ["response", "status"] if rfp.status != before and rfp.status_shared else ["response"]
    events.emit(session, ctx, "rfp.changed", company_id=company_id, subject_id=rfp.id,
                rfp_id=rfp.id, data={"changed": changed})
    session.flush()
    return rfp


def record_status_change(session: Session, ctx: RequestContext, rfp: Rfp, before: RfpStatus,
                         *, cause: str) -> None:
    """The contractor's trail shows every status change, also those a subcontractor caused."""
    record_event(session, ctx, "rfp.status_changed", company_id=rfp.contractor_company_id,
                 target_type="rfp", target_id=rfp.id,
                 target_label=f"{rfp.workpackage.name} ({rfp.project.name})",
                 data={"from": before.value, "to": rfp.status.value, "cause": cause,
                       "subcontractorCompanyId": rfp.company_id})


@dataclass(frozen=True)
class RfpDetail:
    rfp: Rfp
    # Held here so the session's (weak) identity map keeps them: rfp.project and
    # rfp.workpackage then resolve without a query.
    project: Project
    workpackage: Workpackage
    contractor: Company
    contacts: list[Contact]
    document_count: int
    budget_line_count: int
    message_count: int
    proposal: Proposal | None
    forwarded_to: Company | None
    forwarded_from: Rfp | None  # the partner's RFP this one was forwarded from
    forwarded_from_company: Company | None


def raise_not_found(rfp_id: int) -> NoReturn:
    raise NotFound(f"There is no RFP {rfp_id} for your company. List yours with getRfps.",
                   code="not_found", data={"resource": "rfp", "id": rfp_id})


# What getRfp's answer (api/subcontractor/rfp_models.py: rfp_out) reads of the entities around
# the RFP: the three companies alone had 60 columns, read and converted on every call. The RFP
# and its project are read whole.
_ANSWER_READS: dict[str, tuple[str, ...]] = {
    "workpackage": ("code", "name", "description", "deadline"),
    "contractor": ("name", "city", "phone", "website"),
    "forwarded_to": ("name",),
    "source": ("forward_message", "forwarded_at"),
    "source_company": ("name",),
    "proposal": ("version", "submitted_at", "total_amount", "currency"),
}


# The contractor's contacts a subcontractor sees on an RFP.
_VISIBLE_OF_CONTRACTOR = (Contact.contact_type == ContactType.VISIBLE, Contact.active.is_(True))


def _detail_statement(*, columns: bool = False) -> Select[Any]:
    """The RFP with its project, workpackage, contractor, forwarding partners and counts; built
    once (aliases and correlations are costly to build per call). ``columns``: each entity as its
    labelled columns (prepared.columns_of), for the API's read on the driver's cursor."""
    forwarded_to = aliased(Company)
    source = aliased(Rfp)
    source_company = aliased(Company)
    documents = (select(func.count()).select_from(Document)
                 .where(or_(Document.workpackage_id == Rfp.workpackage_id,
                            and_(Document.project_id == Rfp.project_id,
                                 Document.workpackage_id.is_(None))),
                        Document.deleted_at.is_(None)).scalar_subquery())
    lines = (select(func.count()).select_from(BudgetLine)
             .where(BudgetLine.workpackage_id == Rfp.workpackage_id,
                    BudgetLine.deleted_at.is_(None)).scalar_subquery())
    messages = (select(func.count()).select_from(Message).where(Message.rfp_id == Rfp.id)
                .scalar_subquery())
    # The current proposal (the newest submitted one, not superseded) joined in, not fetched by
    # a statement of its own: one round trip fewer per getRfp.
    newest = aliased(Proposal)
    current_id = (select(newest.id).where(newest.rfp_id == Rfp.id,
                                          newest.state == ProposalState.SUBMITTED,
                                          newest.superseded_at.is_(None))
                  .order_by(newest.version.desc()).limit(1).correlate(Rfp).scalar_subquery())
    entities = {"rfp": Rfp, "project": Project, "workpackage": Workpackage, "contractor": Company,
                "forwarded_to": forwarded_to, "source": source, "source_company": source_company}
    counts = [documents.label("documents"), lines.label("lines"), messages.label("messages")]
    # The contractor's visible contacts, in the same row as JSON (id, name, email, phone): a
    # second statement was one more round trip per getRfp (~15 % of it on PostgreSQL).
    contacts = (select(json_rows(Contact.id, Contact.name, Contact.email, Contact.phone))
                .where(Contact.company_id == Rfp.contractor_company_id, *_VISIBLE_OF_CONTRACTOR)
                .scalar_subquery().label("contacts"))
    chosen: list[Any] = (
        [c for name, entity in entities.items()
         for c in columns_of(entity, name, _ANSWER_READS.get(name))]
        + counts + [contacts] + columns_of(Proposal, "proposal", _ANSWER_READS["proposal"])
    ) if columns else [*entities.values(), documents, lines, messages, Proposal]
    return (select(*chosen)
            .select_from(Rfp)
            .join(Project, Project.id == Rfp.project_id)
            .join(Workpackage, Workpackage.id == Rfp.workpackage_id)
            .join(Company, Company.id == Rfp.contractor_company_id)
            .outerjoin(forwarded_to, forwarded_to.id == Rfp.forwarded_to_company_id)
            .outerjoin(source, source.id == Rfp.forwarded_from_rfp_id)
            .outerjoin(source_company, source_company.id == source.company_id)
            .outerjoin(Proposal, Proposal.id == current_id)
            .where(Rfp.id == bindparam("rfp_id"), Rfp.company_id == bindparam("company_id")))


_DETAIL = _detail_statement()
_VISIBLE_CONTACTS = (select(Contact)
                     .where(Contact.company_id == bindparam("company_id"), *_VISIBLE_OF_CONTRACTOR)
                     .order_by(Contact.id))
_DETAIL_COLUMNS = Prepared(_detail_statement(columns=True))


def get_rfp_detail(session: Session, company_id: int, rfp_id: int) -> RfpDetail:
    """Two statements: the RFP with everything it refers to, its counts and its current
    proposal; the contractor's visible contacts. Nothing loads lazily afterwards (the many-to-one
    relations the answer reads are in the session's identity map)."""
    if rfp_id > MAX_ID:
        raise_not_found(rfp_id)
    row = session.execute(_DETAIL, {"rfp_id": rfp_id, "company_id": company_id}).first()
    if row is None:
        raise_not_found(rfp_id)
    rfp, project, workpackage, contractor, to, src, src_company, n_documents, n_lines, \
        n_messages, proposal = row
    contacts = list(session.scalars(_VISIBLE_CONTACTS, {"company_id": contractor.id}))
    return RfpDetail(rfp=rfp, project=project, workpackage=workpackage, contractor=contractor,
                     contacts=contacts, document_count=n_documents or 0,
                     budget_line_count=n_lines or 0, message_count=n_messages or 0,
                     proposal=proposal,
                     forwarded_to=to, forwarded_from=src, forwarded_from_company=src_company)


def read_rfp_detail(conn: Connection, company_id: int, rfp_id: int) -> RfpDetail:
    """:func:`get_rfp_detail` for an answer only, in one statement on the driver's cursor
    (bidbridge/prepared.py): the contacts ride in the RFP's row as JSON. The entities are plain
    records with the models' attribute names (``rfp.project`` and ``rfp.workpackage`` set) and
    only the columns the answer reads, no ORM session."""
    row = _DETAIL_COLUMNS.first(conn, rfp_id=rfp_id, company_id=company_id)
    if row is None:
        raise_not_found(rfp_id)
    found = records(row, "rfp", "project", "workpackage", "contractor", "forwarded_to", "source",
                    "source_company", "proposal")
    rfp, contractor = found["rfp"], found["contractor"]
    assert rfp is not None and contractor is not None
    rfp.project, rfp.workpackage = found["project"], found["workpackage"]
    contacts = [Record(id=id_, name=name, email=email, phone=phone)
                for id_, name, email, phone in json_rows_of(row.contacts)]
    detail: Any = RfpDetail  # records stand where the models would: the same attribute names
    return detail(rfp=rfp, project=rfp.project, workpackage=rfp.workpackage,
                  contractor=contractor, contacts=contacts,
                  document_count=row.documents or 0, budget_line_count=row.lines or 0,
                  message_count=row.messages or 0, proposal=found["proposal"],
                  forwarded_to=found["forwarded_to"], forwarded_from=found["source"],
                  forwarded_from_company=found["source_company"])


def tender_documents_of(rfp: Rfp) -> ColumnElement[bool]:
    """The condition selecting an RFP's tender documents: its workpackage's and its project's
    (project-wide ones have no workpackage)."""
    return or_(Document.workpackage_id == rfp.workpackage_id,
               and_(Document.project_id == rfp.project_id, Document.workpackage_id.is_(None)))
