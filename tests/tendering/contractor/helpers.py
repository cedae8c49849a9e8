"""Contractor API test helpers: a contractor with a token, and short calls to its functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from bidbridge.models import CompanyKind, Proposal, ProposalState, Rfp
from tests.factories import CompanySetup, Factory, auth, get_token, unique

BASE = "/rest/contractor/v1"


@dataclass
class Gc:
    """A contractor company whose API user holds a token."""

    setup: CompanySetup
    token: str
    client: TestClient

    @property
    def company_id(self) -> int:
        return self.setup.company.id

    def post(self, path: str, data: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.post(BASE + path, data=data, headers=auth(self.token), **kwargs)

    def get(self, path: str) -> httpx.Response:
        return self.client.get(BASE + path, headers=auth(self.token))

    def project(self, **fields: Any) -> dict[str, Any]:
        response = self.post("/project", {"name": unique("Project"), **fields})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def workpackage(self, project_id: int, **fields: Any) -> dict[str, Any]:
        response = self.post(f"/projects/{project_id}/workpackages",
                             {"name": unique("Workpackage"), **fields})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def lines(self, wp_id: int, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = self.post(f"/workpackages/{wp_id}/budget-lines", json={"lines": lines})
        assert response.status_code == 201, response.text
        return list(response.json()["lines"])

    def invite(self, wp_id: int, company_id: int) -> dict[str, Any]:
        response = self.post(f"/workpackages/{wp_id}/invitations", {"companyId": company_id})
        assert response.status_code == 201, response.text
        return dict(response.json()["rfp"])


def contractor(factory: Factory, client: TestClient) -> Gc:
    setup = factory.company(CompanyKind.CONTRACTOR)
    return Gc(setup, get_token(client, setup, api="contractor"), client)


def assert_not_found(response: httpx.Response, resource: str | None = None) -> None:
    assert response.status_code == 404, response.text
    body = response.json()
    assert body["code"] == "not_found"
    if resource:
        assert body["resource"] == resource


def submit(factory: Factory, rfp_id: int, lines: list[dict[str, Any]], total: str, *,
           state: ProposalState = ProposalState.SUBMITTED) -> Proposal:
    """A proposal version as the subcontractor side stores it (snapshot of the priced lines)."""
    runtime = factory.runtime
    now: datetime = runtime.clock.now()
    with runtime.sessions() as s, s.begin():
        version = len(list(s.scalars(select(Proposal.id).where(Proposal.rfp_id == rfp_id)))) + 1
        rfp = s.get(Rfp, rfp_id)
        assert rfp is not None
        proposal = Proposal(rfp_id=rfp_id, version=version, state=state, submitted_at=now,
                            submitted_by_name="Sub User", message=f"v{version}",
                            total_amount=Decimal(total), lines=lines,
                            content_sha256="0" * 64, updated_at=now,
                            withdrawn_at=now if state == ProposalState.WITHDRAWN else None)
        s.add(proposal)
        s.flush()
        return proposal
