"""Two companies of each kind with real tendering data, and which of the victim's ids fills each
template parameter of the API. A new id parameter needs an entry in ID_PROVIDERS, or the
isolation matrix fails for that function."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.testclient import TestClient

from bidbridge.models import CompanyKind, Proposal
from tests.factories import CompanySetup, Factory, auth, get_token, unique
from tests.tendering_factory import Tender, pdf_bytes, tender

SUB = "/rest/subcontractor/v1"


@dataclass
class World:
    caller: dict[str, CompanySetup]  # api -> the calling company
    tokens: dict[str, str]  # api -> the caller's token
    victim_sub: CompanySetup
    victim_contractor: CompanySetup
    victim_tender: Tender
    victim_proposal_id: int
    victim_attachment_id: int
    victim_endpoint_id: int = 0
    secrets: list[str] = field(default_factory=list)  # the victim's names: must never show
    victim_question_id: int = 0

    def victim_companies(self) -> list[int]:
        return [self.victim_sub.company.id, self.victim_contractor.company.id]


def _rfp(w: World, api: str) -> int:
    return w.victim_tender.rfp_for(w.victim_sub).id


def _document(w: World, api: str) -> int:
    # The sub's own attachment for the contractor API; the contractor's tender document for subs.
    return w.victim_attachment_id if api == "contractor" else w.victim_tender.documents[0].id


ID_PROVIDERS: dict[str, Callable[[World, str], int]] = {
    "rfpId": _rfp,
    "proposalId": lambda w, api: w.victim_proposal_id,
    "documentId": _document,
    "projectId": lambda w, api: w.victim_tender.project.id,
    "workpackageId": lambda w, api: w.victim_tender.workpackage.id,
    "companyId": lambda w, api: w.victim_sub.company.id,
    "contactId": lambda w, api: (w.victim_sub.api_user or w.victim_sub.admin).id,
    "questionId": lambda w, api: w.victim_question_id,
    "endpointId": lambda w, api: w.victim_endpoint_id,
    # Not an id of its own: the version of the (foreign) document in the same path.
    "version": lambda w, api: 1,
}


def build_world(client: TestClient, factory: Factory) -> World:
    caller_sub = factory.company(name=unique("Caller Sub"))
    caller_con = factory.company(CompanyKind.CONTRACTOR, name=unique("Caller GC"))
    victim_sub = factory.company(name=unique("Victim Sub"))
    victim_con = factory.company(CompanyKind.CONTRACTOR, name=unique("Victim GC"))
    tender(factory, [caller_sub], contractor=caller_con, document_count=1)  # the caller's own
    victim = tender(factory, [victim_sub], contractor=victim_con, document_count=2)
    token = get_token(client, victim_sub)
    rfp_id = victim.rfp_for(victim_sub).id
    lines = [{"budgetLineId": line.id, "unitPrice": "12.50", "included": True}
             for line in victim.lines]
    priced = client.post(f"{SUB}/rfps/{rfp_id}/budget-lines", json={"lines": lines},
                         headers=auth(token))
    assert priced.status_code == 200, priced.text
    message = unique("Victim secret message")
    submitted = client.post(
        f"{SUB}/rfps/{rfp_id}/proposals", data={"message": message}, headers=auth(token),
        files=[("attachments", (unique("victim-quote") + ".pdf", pdf_bytes("victim"),
                                "application/pdf"))])
    assert submitted.status_code == 201, submitted.text
    body = submitted.json()
    question = unique("Victim secret question")
    asked = client.post(f"{SUB}/rfps/{rfp_id}/questions", data={"text": question},
                        headers=auth(token))
    assert asked.status_code == 201, asked.text
    hook_url = "https://" + unique("victim-erp").lower() + ".example/hooks"
    endpoint = client.post(f"{SUB}/webhook-endpoints", data={"url": hook_url},
                           headers=auth(token))
    assert endpoint.status_code == 201, endpoint.text
    names = [hook_url, endpoint.json()["secret"], victim_sub.company.name,
             victim_con.company.name, victim.project.name, victim.workpackage.name, message,
             body["attachments"][0]["name"], question]
    for setup in (victim_sub, victim_con):
        for contact in (setup.admin, setup.api_user):
            if contact is not None:
                names += [contact.name, contact.email]
    tokens = {"subcontractor": get_token(client, caller_sub),
              "contractor": get_token(client, caller_con, api="contractor")}
    return World(caller={"subcontractor": caller_sub, "contractor": caller_con}, tokens=tokens,
                 victim_sub=victim_sub, victim_contractor=victim_con, victim_tender=victim,
                 victim_proposal_id=body["proposalId"],
                 victim_attachment_id=body["attachments"][0]["documentId"], secrets=names,
                 victim_question_id=asked.json()["questionId"],
                 victim_endpoint_id=endpoint.json()["endpointId"])


def request_parts(fn: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A syntactically valid body for ``fn`` from its declared examples: (json or data, files)."""
    values: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for param in fn.params:
        if param.kind != "query":
            continue
        if param.type == "file":
            files[param.name] = ("isolation.pdf", pdf_bytes("isolation"), "application/pdf")
        elif param.required:
            if param.example is None:
                raise AssertionError(f"{fn.name}: required parameter {param.name} has no example; "
                                     "declare one so the isolation matrix can call it")
            values[param.name] = param.example
    return values, files


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def same_shape(foreign: dict[str, Any], missing: dict[str, Any], ids: list[int]) -> bool:
    """A foreign id's 404 reads like a missing id's, once the ids themselves are blanked out."""

    def blank(value: dict[str, Any]) -> str:
        text = json.dumps({k: v for k, v in value.items() if k != "requestId"}, sort_keys=True)
        for i in sorted(ids, reverse=True):
            text = re.sub(rf"\b{i}\b", "ID", text)
        return text

    return blank(foreign) == blank(missing)


def victim_proposal(session: Any, proposal_id: int) -> Proposal | None:
    return session.get(Proposal, proposal_id)
