"""A tender built through the contractor API with two invited bidders, for the addenda and
questions tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from starlette.testclient import TestClient

from tests.factories import CompanySetup, Factory, auth, get_token
from tests.tendering.contractor.helpers import Gc, contractor

SUB = "/rest/subcontractor/v1"


@dataclass
class Bidder:
    setup: CompanySetup
    rfp_id: int
    token: str
    client: TestClient

    def post(self, path: str, data: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.post(SUB + path, data=data, headers=auth(self.token), **kwargs)

    def get(self, path: str) -> httpx.Response:
        return self.client.get(SUB + path, headers=auth(self.token))

    def refresh(self) -> None:
        self.token = get_token(self.client, self.setup, force_new=True)

    def price_all(self, line_ids: list[int], unit_price: str = "10.00") -> None:
        response = self.post(f"/rfps/{self.rfp_id}/budget-lines", json={"lines": [
            {"budgetLineId": i, "unitPrice": unit_price} for i in line_ids]})
        assert response.status_code == 200, response.text

    def submit(self) -> httpx.Response:
        return self.post(f"/rfps/{self.rfp_id}/proposals", {"message": "Our price"})

    def acknowledge(self, number: int) -> httpx.Response:
        return self.post(f"/rfps/{self.rfp_id}/acknowledgements", {"addendumNumber": number})


@dataclass
class World:
    gc: Gc
    project: dict[str, Any]
    wp: dict[str, Any]
    lines: list[dict[str, Any]]
    bidders: list[Bidder]

    @property
    def line_ids(self) -> list[int]:
        return [line["id"] for line in self.lines]

    def publish(self, text: str = "Drawing A-101 revised.", **params: Any) -> httpx.Response:
        data = {"text": text}
        for name, value in params.items():
            data[name] = json.dumps(value) if isinstance(value, list) else value
        return self.gc.post(f"/workpackages/{self.wp['id']}/addenda", data)

    def refresh(self) -> None:
        self.gc.token = get_token(self.gc.client, self.gc.setup, force_new=True, api="contractor")
        for b in self.bidders:
            b.refresh()


def world(factory: Factory, client: TestClient, *, bidders: int = 2,
          deadline_in: timedelta = timedelta(days=14), **project: Any) -> World:
    gc = contractor(factory, client)
    now = factory.runtime.clock.now()
    p = gc.project(deadlineDate=int((now + deadline_in).timestamp()), **project)
    wp = gc.workpackage(p["id"])
    lines = gc.lines(wp["id"], [
        {"code": "22.01", "description": "Metselwerk gevel", "quantity": "120.5", "unit": "m2"},
        {"code": "22.02", "description": "Voegwerk", "quantity": "80", "unit": "m2"},
        {"code": "22.03", "description": "Lateien", "quantity": "12", "unit": "st"}])
    found = []
    for _ in range(bidders):
        setup = factory.company()
        rfp = gc.invite(wp["id"], setup.company.id)
        found.append(Bidder(setup, rfp["id"], get_token(client, setup), client))
    return World(gc, p, wp, lines, found)
