"""The one choke point for loading tendering objects by id on behalf of a company.

``load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id)``: each aggregate in the
table below says which rows a company owns and how to list them. Another company's object is
"not found", never "forbidden": its existence is not revealed. Ids reach here checked at the edge
(the API's id pattern, a page's id field or path convertor, bidbridge/ids.py), so an id beyond
the 32-bit columns never gets this far.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from bidbridge.errors import NotFound
from bidbridge.ids import MAX_ID as MAX_ID  # re-exported: the RFP listings import it from here
from bidbridge.models import (
    Document,
    Message,
    Project,
    Proposal,
    Question,
    Rfp,
    WebhookEndpoint,
    Workpackage,
)

M = TypeVar("M")


@dataclass(frozen=True)
class Aggregate(Generic[M]):
    """One kind of object a company loads by id: its model, which rows are the company's, and
    the not-found message ({id} filled in), which says how to list the company's own."""

    model: type[M]
    resource: str  # the not-found error's data.resource
    owned_by: Callable[[int], ColumnElement[bool]]  # company id -> the condition on the model
    missing: str


def _in_own_project(project_id: Any, company_id: int) -> ColumnElement[bool]:
    return exists().where(Project.id == project_id, Project.company_id == company_id)


def _in_own_workpackage(workpackage_id: Any, company_id: int) -> ColumnElement[bool]:
    return exists().where(Workpackage.id == workpackage_id,
                          _in_own_project(Workpackage.project_id, company_id))


def _rfp_under(company_id: int, *where: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(Rfp.company_id == company_id, *where)


def _visible_document(company_id: int) -> ColumnElement[bool]:
    """A subcontractor's own document (an attachment it sent), a tender document of a
    workpackage — else of a project — it has an RFP for, or an attachment sent to it in one of
    its RFP threads."""
    return and_(Document.deleted_at.is_(None), or_(
        Document.company_id == company_id,
        and_(Document.workpackage_id.is_not(None),
             _rfp_under(company_id, Rfp.workpackage_id == Document.workpackage_id)),
        and_(Document.workpackage_id.is_(None), Document.project_id.is_not(None),
             _rfp_under(company_id, Rfp.project_id == Document.project_id)),
        and_(Document.workpackage_id.is_(None), Document.project_id.is_(None),
             Document.message_id.is_not(None),
             exists().where(Message.id == Document.message_id,
                            _rfp_under(company_id, Rfp.id == Message.rfp_id)))))


RFP_OF_SUBCONTRACTOR = Aggregate(
    Rfp, "rfp", lambda company_id: Rfp.company_id == company_id,
    "There is no RFP {id} for your company. List yours with getRfps.")
RFP_OF_CONTRACTOR = Aggregate(
    Rfp, "rfp", lambda company_id: Rfp.contractor_company_id == company_id,
    "There is no RFP {id} in your projects. List them with getRfps.")
PROJECT_OF_CONTRACTOR = Aggregate(
    Project, "project", lambda company_id: Project.company_id == company_id,
    "There is no project {id} in your company. List yours with getProjects.")
WORKPACKAGE_OF_CONTRACTOR = Aggregate(
    Workpackage, "workpackage",
    lambda company_id: _in_own_project(Workpackage.project_id, company_id),
    "There is no workpackage {id} in your projects. getProject lists a project's.")
QUESTION_OF_CONTRACTOR = Aggregate(
    Question, "question",
    lambda company_id: _in_own_workpackage(Question.workpackage_id, company_id),
    "There is no question {id} in your projects. getQuestions lists a workpackage's.")
PROPOSAL_OF_SUBCONTRACTOR = Aggregate(
    Proposal, "proposal",
    lambda company_id: exists().where(Rfp.id == Proposal.rfp_id, Rfp.company_id == company_id),
    "There is no proposal {id} of your company. getProposals lists an RFP's.")
DOCUMENT_FOR_SUBCONTRACTOR = Aggregate(
    Document, "document", _visible_document,
    "There is no document {id} for your company. List an RFP's documents with getDocuments.")
# The contractor's own live documents: tender documents of its projects and their workpackages.
DOCUMENT_OF_CONTRACTOR = Aggregate(
    Document, "document",
    lambda company_id: and_(Document.company_id == company_id, Document.deleted_at.is_(None)),
    "There is no document {id} in your projects. getProject lists a project's.")

WEBHOOK_ENDPOINT = Aggregate(
    WebhookEndpoint, "webhook_endpoint",
    lambda company_id: WebhookEndpoint.company_id == company_id,
    "There is no webhook endpoint {id} of your company. List yours with getWebhookEndpoints.")


def load(session: Session, aggregate: Aggregate[M], object_id: int, *, for_company: int,
         for_update: bool = False, within: ColumnElement[bool] | None = None,
         missing: str | None = None) -> M:
    """The company's object ``object_id`` of this aggregate, locked when ``for_update``; any
    other id (another company's included) raises the aggregate's NotFound.

    ``within`` narrows the search to one parent (a document of this project), and ``missing``
    then says where the object is not ({id} filled in) instead of the aggregate's message.
    """
    model: Any = aggregate.model
    query = select(model).where(model.id == object_id, aggregate.owned_by(for_company))
    if within is not None:
        query = query.where(within)
    if for_update:
        query = query.with_for_update(of=model)
    found = session.scalar(query)
    if found is None:
        raise NotFound((missing or aggregate.missing).format(id=object_id), code="not_found",
                       data={"resource": aggregate.resource, "id": object_id})
    return found


def effective_deadline(rfp: Rfp) -> datetime | None:
    """The workpackage's own deadline when it has one, else the project's."""
    return rfp.workpackage.deadline or rfp.project.deadline_date


def touch_rfp(rfp: Rfp, now: datetime) -> None:
    """Something an integrator syncs changed under this RFP: move its updatedAt."""
    rfp.updated_at = max(now, rfp.updated_at)
