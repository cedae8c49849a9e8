"""Helpers for the subcontractor tendering tests: a signed-in subcontractor and direct row edits
standing in for the contractor's side (whose functions are tested elsewhere)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.testclient import TestClient

from bidbridge.models import (
    Document,
    Message,
    MessageDirection,
    Proposal,
    ProposalState,
    Rfp,
    RfpStatus,
)
from bidbridge.services import documents
from bidbridge.services.context import Actor
from tests.factories import CompanySetup, Factory, auth, get_token

API = "/rest/subcontractor/v1"


@dataclass
class Sub:
    """A subcontractor company with a token, calling the API through the test client."""

    setup: CompanySetup
    client: TestClient
    token: str

    @property
    def company_id(self) -> int:
        return self.setup.company.id

    def get(self, path: str, **kwargs: Any) -> Any:
        headers = {**auth(self.token), **kwargs.pop("headers", {})}
        return self.client.get(API + path, headers=headers, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        headers = {**auth(self.token), **kwargs.pop("headers", {})}
        return self.client.post(API + path, data=data, headers=headers, **kwargs)


def signed_in(factory: Factory, client: TestClient) -> Sub:
    setup = factory.company()
    return Sub(setup, client, get_token(client, setup))


def edit_rfp(factory: Factory, rfp_id: int, **values: Any) -> Rfp:
    """What the contractor's setRfpStatus would do, without depending on it."""
    runtime = factory.runtime
    with runtime.sessions() as s, s.begin():
        rfp = s.get(Rfp, rfp_id)
        assert rfp is not None
        for key, value in values.items():
            setattr(rfp, key, value)
        rfp.updated_at = max(runtime.clock.now(), rfp.updated_at)
        return rfp


def load_rfp(factory: Factory, rfp_id: int) -> Rfp:
    with factory.runtime.sessions() as s:
        rfp = s.get(Rfp, rfp_id)
        assert rfp is not None
        return rfp


def add_proposal(factory: Factory, rfp_id: int, *, version: int = 1,
                 state: ProposalState = ProposalState.SUBMITTED) -> Proposal:
    now: datetime = factory.runtime.clock.now()
    with factory.runtime.sessions() as s, s.begin():
        proposal = Proposal(rfp_id=rfp_id, version=version, state=state, submitted_at=now,
                            submitted_by_name="Test", total_amount=Decimal("1234.50"),
                            currency="EUR", lines=[], content_sha256="0" * 64, updated_at=now,
                            withdrawn_at=now if state is ProposalState.WITHDRAWN else None)
        s.add(proposal)
        rfp = s.get(Rfp, rfp_id)
        assert rfp is not None
        rfp.status = RfpStatus.PROPOSAL if state is ProposalState.SUBMITTED else rfp.status
        s.flush()
        return proposal


def contractor_message(factory: Factory, rfp: Rfp, text: str, *,
                       attachment: tuple[str, bytes] | None = None) -> Message:
    """A message from the contractor to the subcontractor, optionally with one attachment."""
    runtime = factory.runtime
    now = runtime.clock.now()
    with runtime.sessions() as s, s.begin():
        msg = Message(rfp_id=rfp.id, direction=MessageDirection.TO_SUBCONTRACTOR,
                      author_company_id=rfp.contractor_company_id, author_name="Inkoper Jansen",
                      text=text, sent_at=now)
        s.add(msg)
        s.flush()
        if attachment is not None:
            name, content = attachment
            ctx = factory.ctx(Actor("contact", None, "Inkoper Jansen", rfp.contractor_company_id))
            documents.add_document(s, ctx, runtime.storage,
                                   documents.Upload(name, "application/pdf", io.BytesIO(content)),
                                   owner_company_id=rfp.contractor_company_id,
                                   max_bytes=runtime.settings.max_upload_bytes,
                                   message_id=msg.id)
        return msg


def add_tender_document(factory: Factory, *, contractor_id: int, content: bytes, name: str,
                        project_id: int | None = None, workpackage_id: int | None = None,
                        replaces: Document | None = None,
                        content_type: str = "application/pdf") -> Document:
    runtime = factory.runtime
    ctx = factory.ctx(Actor("contact", None, "Contractor", contractor_id))
    with runtime.sessions() as s, s.begin():
        fresh = s.get(Document, replaces.id) if replaces is not None else None
        return documents.add_document(
            s, ctx, runtime.storage,
            documents.Upload(name, content_type, io.BytesIO(content)),
            owner_company_id=contractor_id, max_bytes=runtime.settings.max_upload_bytes,
            content_type=content_type, project_id=project_id, workpackage_id=workpackage_id,
            replaces=fresh)


def delete_document(factory: Factory, document_id: int) -> None:
    runtime = factory.runtime
    with runtime.sessions() as s, s.begin():
        doc = s.get(Document, document_id)
        assert doc is not None
        doc.deleted_at = runtime.clock.now()
        doc.updated_at = runtime.clock.now()
