"""The web unit of work: one transaction per page request, committed before the response leaves,
rolled back on any error; web actions are audited in the signed-in person's name."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from bidbridge.errors import Conflict
from bidbridge.models import AuditEvent
from bidbridge.services.audit import record_event
from bidbridge.web.unit_of_work import ActingContact
from tests.web.helpers import logged_in


def _probe_routes(app: FastAPI) -> None:
    def write(acting: ActingContact, outcome: str) -> Response:
        record_event(acting.db, acting.ctx, "probe.written", company_id=acting.company_id,
                     target_type="probe", target_id=1, target_label=outcome, data={})
        acting.db.flush()
        if outcome == "raise":
            raise Conflict("refused after writing", code="probe_refused")
        if outcome == "attempt":
            def refused() -> None:
                record_event(acting.db, acting.ctx, "probe.refused",
                             company_id=acting.company_id, target_type="probe", target_id=2,
                             target_label=outcome, data={})
                acting.db.flush()
                raise Conflict("refused inside the savepoint", code="probe_refused")
            with pytest.raises(Conflict):
                acting.attempt(refused)
        return PlainTextResponse("ok")

    app.add_api_route("/probe/{outcome}", write, methods=["GET"])


def _events(runtime, company_id: int) -> list[tuple[str, str, str | None, int | None]]:
    with runtime.sessions() as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.company_id == company_id,
                                                   AuditEvent.event.like("probe.%"))
                          .order_by(AuditEvent.id))
        return [(r.event, r.target_label, r.actor_name, r.actor_id) for r in rows]


def test_a_page_commits_on_success_in_the_persons_name(app, runtime, factory):
    _probe_routes(app)
    setup = factory.company(api=False)
    with TestClient(app) as client:
        logged_in(client, setup.admin.email)
        assert client.get("/probe/ok").text == "ok"
    assert _events(runtime, setup.company.id) == [
        ("probe.written", "ok", setup.admin.name, setup.admin.id)]


def test_a_refusal_rolls_back_everything_the_request_wrote(app, runtime, factory):
    _probe_routes(app)
    setup = factory.company(api=False)
    with TestClient(app) as client:
        logged_in(client, setup.admin.email)
        page = client.get("/probe/raise", headers={"accept": "text/html"})
    assert page.status_code == 409
    assert "refused after writing" in page.text
    assert _events(runtime, setup.company.id) == []


def test_attempt_undoes_only_the_refused_call(app, runtime, factory):
    _probe_routes(app)
    setup = factory.company(api=False)
    with TestClient(app) as client:
        logged_in(client, setup.admin.email)
        assert client.get("/probe/attempt").text == "ok"
    assert _events(runtime, setup.company.id) == [
        ("probe.written", "attempt", setup.admin.name, setup.admin.id)]
