"""The contractor's pages through the real app, on both databases: forms, refusals shown at their
field with nothing saved, audit rows in the acting person's name, and 404 for others' ids."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from bidbridge.models import BudgetLine, Message, Project, Rfp, RfpStatus
from tests.factories import unique
from tests.tendering.contractor.helpers import contractor, submit
from tests.web.helpers import csrf_from, logged_in, post_form


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, page_path: str, action: str, files, data=None):
    token = csrf_from(client.get(page_path).text)
    return client.post(action, data={"csrf_token": token, **(data or {})}, files=files,
                       follow_redirects=False)


def _actor_events(factory, company_id, prefix=""):
    return [(e.event, e.actor_name) for e in factory.events(company_id)
            if e.event.startswith(prefix) and e.actor_kind == "contact"]


@pytest.fixture
def gc(factory, client):
    return contractor(factory, client)


def test_project_form_refuses_at_the_field_and_saves_nothing(client, factory, gc):
    logged_in(client, gc.setup.admin.email)
    refused = post_form(client, "/projects/new", "/projects", {
        "name": "", "status": "active", "countryCode": "XX", "deadlineDate": "31-12-2026",
        "plannedStart": "2026-06-01", "plannedComplete": "2026-05-01"})
    assert refused.status_code == 422
    assert "Name is required." in refused.text
    assert "Expected a date like 2026-03-31 12:00." in refused.text
    assert 'aria-invalid="true" aria-describedby="name-error"' in refused.text
    # The service's own rules (an assigned country code, completion after start) also land at
    # their fields once the form's own checks pass.
    refused = post_form(client, "/projects/new", "/projects", {
        "name": "Kantoor", "status": "active", "countryCode": "XX",
        "plannedStart": "2026-06-01", "plannedComplete": "2026-05-01"})
    assert refused.status_code == 422
    assert "is not an ISO 3166-1 alpha-2 country code" in refused.text
    assert 'value="Kantoor"' in refused.text  # what was typed is kept
    with factory.runtime.sessions() as s:
        assert s.scalars(select(Project).where(Project.company_id == gc.company_id)).all() == []
    assert _actor_events(factory, gc.company_id, "project.") == []


def test_create_edit_project_and_workpackage_in_the_admins_name(client, factory, gc):
    logged_in(client, gc.setup.admin.email)
    name = unique("Nieuwbouw")
    created = post_form(client, "/projects/new", "/projects", {
        "name": name, "status": "tender", "phaseId": "1", "city": "Utrecht",
        "countryCode": "nl", "deadlineDate": "2031-03-31T12:00",
        "buildingSectors": ["Woningbouw", "Bouw"], "questionsDate": "2031-03-01",
        "questionsTime": "12"})
    assert created.status_code == 303, created.text
    project_path = created.headers["location"].split("?")[0]
    page = client.get(project_path)
    assert name in page.text and "2031-03-31 12:00:00 UTC" in page.text
    assert "Bouw, Woningbouw" in page.text  # stored in reference order
    listing = client.get("/projects")
    assert f'href="{project_path}"' in listing.text
    edited = post_form(client, project_path + "/edit", project_path, {
        "name": name, "status": "tender", "phaseId": "2", "city": "", "countryCode": "NL"})
    assert edited.status_code == 303 and edited.headers["location"].endswith("msg=updated")
    project_id = int(project_path.rsplit("/", 1)[1])
    with factory.runtime.sessions() as s:
        project = s.get(Project, project_id)
        assert (project.phase_id, project.city, project.deadline_date) == (2, None, None)
    wp = post_form(client, f"{project_path}/workpackages/new", f"{project_path}/workpackages",
                   {"name": "Metselwerk", "code": "22", "deadline": "2031-04-01T10:00"})
    assert wp.status_code == 303, wp.text
    wp_path = wp.headers["location"].split("?")[0]
    assert "Metselwerk" in client.get(wp_path).text
    events = [x for x in _actor_events(factory, gc.company_id)
              if x[0].startswith(("project.", "workpackage."))]
    assert [e for e, _ in events] == ["project.created", "project.updated", "workpackage.created"]
    assert {who for _, who in events} == {gc.setup.admin.name}


def _workpackage(gc):
    project = gc.project()
    return gc.workpackage(project["id"])


def test_lines_add_edit_move_delete_and_a_wrong_value_at_its_cell(client, factory, gc):
    wp = _workpackage(gc)
    path = f"/workpackages/{wp['id']}"
    logged_in(client, gc.setup.admin.email)
    refused = post_form(client, path, path + "/lines",
                        {"code": "01", "description": "Gevel", "quantity": "12,5", "unit": "m2"})
    assert refused.status_code == 422
    assert "expected a number from 0 to 99999999.999 with up to 3 decimals" in refused.text
    assert 'value="Gevel"' in refused.text
    for code, quantity in (("01", "12.5"), ("02", "3")):
        added = post_form(client, path, path + "/lines", {
            "code": code, "description": f"Line {code}", "quantity": quantity, "unit": "m2"})
        assert added.status_code == 303
    with factory.runtime.sessions() as s:
        first, second = s.scalars(select(BudgetLine).where(
            BudgetLine.workpackage_id == wp["id"]).order_by(BudgetLine.position)).all()
    saved = post_form(client, f"{path}/lines/{second.id}/edit", f"{path}/lines/{second.id}/edit",
                      {"code": "02", "description": "Voegwerk", "quantity": "3.125",
                       "unit": "m1"})
    assert saved.status_code == 303
    assert post_form(client, path, f"{path}/lines/{second.id}/move",
                     {"direction": "up"}).status_code == 303
    page = client.get(path).text
    assert page.index("Voegwerk") < page.index("Line 01") and "3.125" in page
    assert post_form(client, path, f"{path}/lines/{first.id}/delete").status_code == 303
    assert "Line 01" not in client.get(path).text
    assert [e for e, _ in _actor_events(factory, gc.company_id, "budget_line")] == [
        "budget_lines.added", "budget_lines.added", "budget_line.updated",
        "budget_lines.reordered", "budget_line.deleted"]


def test_import_lists_every_wrong_row_and_imports_nothing_then_all(client, factory, gc):
    wp = _workpackage(gc)
    path = f"/workpackages/{wp['id']}"
    logged_in(client, gc.setup.admin.email)
    bad = _xlsx([["code", "description", "quantity", "unit"], ["01", "Gevel", 10, "m2"],
                 ["02", "Voeg", "veel", "m1"], ["03", "", 1, ""]])
    refused = _upload(client, path, path + "/lines/import",
                      {"spreadsheet": ("bestek.xlsx", bad, "application/octet-stream")})
    assert refused.status_code == 422
    rows = re.findall(r"<li>(Row \d+, column [A-D] \(\w+\))", refused.text)
    assert rows == ["Row 3, column C (quantity)", "Row 4, column B (description)",
                    "Row 4, column D (unit)"]
    assert "Nothing was imported." in refused.text
    with factory.runtime.sessions() as s:
        assert s.scalars(select(BudgetLine).where(BudgetLine.workpackage_id == wp["id"])).all() \
            == []
    good = b"code;description;quantity;unit\n01;Gevel;10.5;m2\n02;Voegwerk;4;m1\n"
    imported = _upload(client, path, path + "/lines/import",
                       {"spreadsheet": ("bestek.csv", good, "text/csv")})
    assert imported.status_code == 303
    assert "Voegwerk" in client.get(path).text
    assert _actor_events(factory, gc.company_id, "budget_lines.added") == [
        ("budget_lines.added", gc.setup.admin.name)]


def test_document_upload_and_new_version(client, factory, gc):
    wp = _workpackage(gc)
    path = f"/workpackages/{wp['id']}"
    logged_in(client, gc.setup.admin.email)
    first = _upload(client, path, path + "/documents",
                    {"file": ("tekening.pdf", b"%PDF-1.4 one", "application/pdf")},
                    {"replaces": ""})
    assert first.status_code == 303, first.text
    doc_id = re.search(r'<option value="(\d+)">version 2 of tekening.pdf', client.get(path).text)
    assert doc_id
    second = _upload(client, path, path + "/documents",
                     {"file": ("tekening-b.pdf", b"%PDF-1.4 two", "application/pdf")},
                     {"replaces": doc_id.group(1)})
    assert second.status_code == 303
    page = client.get(path).text
    assert "version 3 of tekening" in page  # the next upload would be version 3
    download = client.get(f"{path}/documents/{doc_id.group(1)}")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 two"
    assert "attachment" in download.headers["content-disposition"]
    other = _workpackage(gc)
    assert client.get(f"/workpackages/{other['id']}/documents/{doc_id.group(1)}").status_code \
        == 404  # a document of another workpackage
    missing = _upload(client, path, path + "/documents", {}, {"replaces": ""})
    assert missing.status_code == 422 and "Choose a file to upload" in missing.text


def test_invite_board_comparison_export_award_and_message(client, factory, gc):
    wp = _workpackage(gc)
    l1, l2 = (x["id"] for x in gc.lines(wp["id"], [
        {"code": "01", "description": "Gevel", "quantity": "10", "unit": "m2"},
        {"code": "02", "description": "Voeg", "quantity": "2", "unit": "m1"}]))
    tag = unique("Bouwers")
    low = factory.company(name=f"{tag} Laag", api=False)
    high = factory.company(name=f"{tag} Hoog", api=False)
    path = f"/workpackages/{wp['id']}"
    logged_in(client, gc.setup.admin.email)
    found = client.get(f"{path}/invitations", params={"name": tag})
    assert f"{tag} Laag" in found.text and f"{tag} Hoog" in found.text
    for company in (low, high):
        invited = post_form(client, f"{path}/invitations?name={tag}", f"{path}/invitations",
                            {"company_id": str(company.company.id)})
        assert invited.status_code == 303
    again = post_form(client, f"{path}/invitations", f"{path}/invitations",
                      {"company_id": str(low.company.id)})
    assert again.status_code == 409 and "is already invited" in again.text
    with factory.runtime.sessions() as s:
        rfps = {r.company_id: r.id for r in s.scalars(select(Rfp).where(
            Rfp.workpackage_id == wp["id"]))}
    submit(factory, rfps[low.company.id], [{"budgetLineId": l1, "unitPrice": "4.00"},
                                           {"description": "Steiger", "quantity": "1",
                                            "unit": "ps", "totalPrice": "50.00"}], "90.00")
    submit(factory, rfps[high.company.id], [{"budgetLineId": l1, "unitPrice": "5.00"},
                                            {"budgetLineId": l2, "unitPrice": "0.00"}], "50.00")
    board = client.get(f"{path}/invitations").text
    assert board.count(">Submitted<") == 2
    grid = client.get(f"{path}/comparison").text
    assert grid.count("not priced") == 2  # the legend, and Laag's line 02
    assert "differs from scope" in grid and "Steiger" in grid
    assert re.search(r'class="num cell-lowest">40.00<span class="sr-only"> \(lowest\)', grid)
    assert re.search(r'class="num cell-lowest">0.00<', grid)  # a price of 0 is a price
    export = client.get(f"{path}/comparison.xlsx")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "not priced" in cells[4] and cells[3][5] == 40
    award = post_form(client, f"{path}/award", f"{path}/award",
                      {"rfp_id": str(rfps[high.company.id]), "award_others": "1"})
    assert award.status_code == 303 and award.headers["location"].endswith("msg=awarded_all")
    with factory.runtime.sessions() as s:
        statuses = {r.company_id: r.status for r in s.scalars(select(Rfp).where(
            Rfp.workpackage_id == wp["id"]))}
        thanks = s.scalars(select(Message).where(Message.rfp_id == rfps[low.company.id])).all()
    assert statuses == {high.company.id: RfpStatus.AWARDED, low.company.id: RfpStatus.NOT_AWARDED}
    assert len(thanks) == 1 and thanks[0].text.startswith("Thank you for your proposal")
    assert thanks[0].author_name == gc.setup.admin.name
    thread = f"{path}/rfps/{rfps[low.company.id]}/messages"
    sent = _upload(client, thread, thread, {"attachments": ("note.txt", b"hi", "text/plain")},
                   {"text": "Bedankt voor uw offerte."})
    assert sent.status_code == 303
    shown = client.get(thread).text
    assert "Bedankt voor uw offerte." in shown
    attachment = re.search(r'href="([^"]+/attachments/\d+)"', shown)
    assert attachment and client.get(attachment.group(1)).content == b"hi"
    high_thread = f"{path}/rfps/{rfps[high.company.id]}/messages"
    elsewhere = attachment.group(1).replace(thread.rsplit("/", 1)[0], high_thread.rsplit("/", 1)[0])
    assert client.get(elsewhere).status_code == 404  # not an attachment of that thread
    events = _actor_events(factory, gc.company_id)
    assert ("rfp.invited", gc.setup.admin.name) in events
    assert [e for e, _ in events].count("rfp.status_changed") == 2
    assert [e for e, _ in events].count("message.sent") == 2  # the thank-you and the message


def test_other_companies_ids_and_other_people_get_404(client, factory, gc):
    wp = _workpackage(gc)
    line = gc.lines(wp["id"], [{"description": "x", "quantity": "1", "unit": "st"}])[0]
    rfp = gc.invite(wp["id"], factory.company().company.id)
    other = contractor(factory, client)
    own_wp = _workpackage(other)
    paths = [f"/projects/{wp['projectId']}", f"/projects/{wp['projectId']}/edit",
             f"/projects/{wp['projectId']}/workpackages/new", f"/workpackages/{wp['id']}",
             f"/workpackages/{wp['id']}/edit", f"/workpackages/{wp['id']}/invitations",
             f"/workpackages/{wp['id']}/comparison", f"/workpackages/{wp['id']}/comparison.xlsx",
             f"/workpackages/{wp['id']}/award",
             f"/workpackages/{wp['id']}/lines/{line['id']}/edit",
             f"/workpackages/{wp['id']}/rfps/{rfp['id']}/messages",
             # an RFP of another company inside one's own workpackage's URL
             f"/workpackages/{own_wp['id']}/rfps/{rfp['id']}/messages",
             "/workpackages/99999999999999999999", "/projects/abc"]
    logged_in(client, other.setup.admin.email)
    for path in paths:
        assert client.get(path).status_code == 404, path
    own = f"/workpackages/{own_wp['id']}"
    refused = post_form(client, own, f"/workpackages/{wp['id']}/lines/{line['id']}/delete")
    assert refused.status_code == 404
    refused = post_form(client, own, f"/workpackages/{wp['id']}/award",
                        {"rfp_id": str(rfp["id"])})
    assert refused.status_code == 404
    with factory.runtime.sessions() as s:
        assert s.get(BudgetLine, line["id"]).deleted_at is None
        assert s.get(Rfp, rfp["id"]).status == RfpStatus.UNKNOWN
    # Subcontractors and support staff have no contractor pages at all.
    sub = factory.company(api=False)
    logged_in(client, sub.admin.email)
    assert client.get("/projects").status_code == 404
    assert client.get(f"/workpackages/{wp['id']}").status_code == 404


def test_contractor_lands_on_projects_and_users_may_work_too(client, factory, gc):
    user = factory.contact(gc.setup.company)
    response = post_form(client, "/login", "/login", {"email": user.email,
                                                       "password": "correct horse battery"})
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).headers["location"] == "/projects"
    page = client.get("/projects")
    assert page.status_code == 200 and '<a href="/projects" aria-current="page">Projects' in page.text
