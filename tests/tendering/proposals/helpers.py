"""Shared steps for the budget-line and proposal tests: a priced tender, calls with a token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from bidbridge.models import BudgetLine, Proposal, Rfp
from tests.factories import CompanySetup, Factory, auth, get_token
from tests.tendering_factory import Tender, tender

BASE = "/rest/subcontractor/v1"


@dataclass
class Bidder:
    """A subcontractor invited to a tender, with a token for its API user."""

    setup: CompanySetup
    tender: Tender
    token: str

    @property
    def rfp_id(self) -> int:
        return self.tender.rfp_for(self.setup).id

    @property
    def headers(self) -> dict[str, str]:
        return auth(self.token)

    @property
    def line_ids(self) -> list[int]:
        return [line.id for line in self.tender.lines]

    def refresh(self, client: TestClient) -> None:
        """A new token, after the clock moved past the old one's hour."""
        self.token = get_token(client, self.setup, force_new=True)

    def deadline_in(self, client: TestClient, clock: Any, seconds_before: int) -> None:
        """Move the clock to ``seconds_before`` the project's deadline, with a fresh token."""
        deadline = self.tender.project.deadline_date
        assert deadline is not None
        clock.set(deadline - timedelta(seconds=seconds_before))
        self.refresh(client)


def bidder(client: TestClient, factory: Factory, *, lines: int = 3,
           deadline_in: timedelta | None = timedelta(days=14)) -> Bidder:
    setup = factory.company()
    t = tender(factory, [setup], lines=lines, deadline_in=deadline_in, document_count=0)
    return Bidder(setup, t, get_token(client, setup))


def price(client: TestClient, b: Bidder, lines: list[dict[str, Any]], *, form: bool = False,
          rfp_id: int | None = None) -> Any:
    url = f"{BASE}/rfps/{rfp_id or b.rfp_id}/budget-lines"
    if form:
        return client.post(url, data={"lines": json.dumps(lines)}, headers=b.headers)
    return client.post(url, json={"lines": lines}, headers=b.headers)


def submit(client: TestClient, b: Bidder, *, key: str | None = None,
           files: list[tuple[str, bytes, str]] | None = None, rfp_id: int | None = None,
           **params: Any) -> Any:
    headers = dict(b.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    data = {k: v for k, v in params.items() if v is not None}
    url = f"{BASE}/rfps/{rfp_id or b.rfp_id}/proposals"
    if files:
        return client.post(url, data=data, headers=headers,
                           files=[("attachments", f) for f in files])
    return client.post(url, data=data, headers=headers)


def proposals_in_db(runtime: Any, rfp_id: int) -> list[Proposal]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Proposal).where(Proposal.rfp_id == rfp_id)
                              .order_by(Proposal.version)))


def rfp_row(runtime: Any, rfp_id: int) -> Rfp:
    with runtime.sessions() as s:
        rfp = s.get(Rfp, rfp_id)
        assert rfp is not None
        return rfp


def delete_line(runtime: Any, line_id: int) -> None:
    with runtime.sessions() as s, s.begin():
        line = s.get(BudgetLine, line_id)
        assert line is not None
        line.deleted_at = runtime.clock.now()
