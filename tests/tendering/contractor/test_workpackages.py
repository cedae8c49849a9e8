"""addWorkpackage, addBudgetLines and addDocument on both databases."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from sqlalchemy import func, select

from bidbridge.models import BudgetLine, DocumentVersion
from bidbridge.pdf import one_page_pdf
from tests.tendering.contractor.helpers import assert_not_found, contractor
from tests.tendering_factory import tender


def test_add_workpackage(factory, client, clock):
    gc = contractor(factory, client)
    project = gc.project()
    clock.advance(30)
    response = gc.post(f"/projects/{project['id']}/workpackages",
                       {"code": "22", "name": "Metselwerk", "description": "Gevel\nen binnen",
                        "deadline": "1785513600"})
    assert response.status_code == 201, response.text
    wp = response.json()
    assert (wp["projectId"], wp["code"], wp["name"], wp["deadline"]) == \
        (project["id"], "22", "Metselwerk", 1785513600)
    assert (wp["budgetLineCount"], wp["documentCount"], wp["rfpCount"]) == (0, 0, 0)
    detail = gc.get(f"/projects/{project['id']}").json()
    assert [w["id"] for w in detail["workpackages"]] == [wp["id"]]
    assert detail["updatedAt"] == project["updatedAt"] + 30
    assert factory.events(gc.company_id, "workpackage.created")[-1].target_id == wp["id"]


def test_add_workpackage_errors(factory, client):
    gc = contractor(factory, client)
    project = gc.project()
    missing = gc.post(f"/projects/{project['id']}/workpackages", {"code": "22"})
    assert missing.status_code == 422
    assert [e["parameter"] for e in missing.json()["errors"]] == ["name"]
    bad = gc.post(f"/projects/{project['id']}/workpackages", {"name": "x", "deadline": "12abc"})
    assert [e["parameter"] for e in bad.json()["errors"]] == ["deadline"]
    other = contractor(factory, client)
    assert_not_found(other.post(f"/projects/{project['id']}/workpackages", {"name": "x"}),
                     "project")
    assert gc.get(f"/projects/{project['id']}").json()["workpackages"] == []


def test_add_budget_lines_keeps_exact_decimals_and_order(factory, client, runtime):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    first = gc.lines(wp["id"], [
        {"code": "22.01", "description": "Metselwerk gevel", "quantity": "120.125", "unit": "m2"},
        {"description": "Voegwerk", "quantity": 0.1, "unit": "m2"},
    ])
    # Form-encoded JSON works the same; numbers never pass through float.
    second = gc.post(f"/workpackages/{wp['id']}/budget-lines",
                     {"lines": '[{"description": "Lateien", "quantity": 3, "unit": "st"}]'})
    assert second.status_code == 201, second.text
    assert [(line["quantity"], line["position"]) for line in first] == [("120.125", 0),
                                                                         ("0.100", 1)]
    assert [(line["quantity"], line["position"]) for line in second.json()["lines"]] == \
        [("3.000", 2)]
    with runtime.sessions() as s:
        stored = s.scalars(select(BudgetLine.quantity).where(BudgetLine.workpackage_id == wp["id"])
                           .order_by(BudgetLine.position)).all()
    assert stored == [Decimal("120.125"), Decimal("0.100"), Decimal("3.000")]
    assert sum(stored) == Decimal("123.225")
    event = factory.events(gc.company_id, "budget_lines.added")[0]
    assert event.data["count"] == 2


def test_add_budget_lines_names_the_offending_line_and_changes_nothing(factory, client, runtime):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    for lines, where in [
        ([{"description": "a", "quantity": "1", "unit": "m"},
          {"description": "b", "quantity": "1.2345", "unit": "m"}], "lines[1].quantity"),
        ([{"description": "a", "quantity": "-1", "unit": "m"}], "lines[0].quantity"),
        ([{"description": "a", "quantity": "1"}], "lines[0].unit"),
        ([{"description": "a", "quantity": "1", "unit": "m", "price": "3"}], "lines[0].price"),
    ]:
        response = gc.post(f"/workpackages/{wp['id']}/budget-lines", json={"lines": lines})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["parameter"] == where
    empty = gc.post(f"/workpackages/{wp['id']}/budget-lines", json={"lines": []})
    assert empty.status_code == 422
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BudgetLine)
                        .where(BudgetLine.workpackage_id == wp["id"])) == 0


def test_adding_lines_moves_the_rfps_updated_at(factory, client, clock):
    gc = contractor(factory, client)
    sub = factory.company()
    t = tender(factory, [sub], contractor=gc.setup)
    before = gc.post("/rfps", {"workpackageId": t.workpackage.id}).json()["rfps"][0]["updatedAt"]
    clock.advance(120)
    gc.lines(t.workpackage.id, [{"description": "extra", "quantity": "1", "unit": "st"}])
    after = gc.post("/rfps", {"workpackageId": t.workpackage.id}).json()["rfps"][0]["updatedAt"]
    assert after == before + 120


def test_add_budget_lines_to_another_contractors_workpackage_is_not_found(factory, client):
    gc = contractor(factory, client)
    other = contractor(factory, client)
    wp = other.workpackage(other.project()["id"])
    response = gc.post(f"/workpackages/{wp['id']}/budget-lines",
                       json={"lines": [{"description": "a", "quantity": "1", "unit": "m"}]})
    assert_not_found(response, "workpackage")


def test_add_document_versions_and_touches_rfps(factory, client, clock, runtime):
    gc = contractor(factory, client)
    sub = factory.company()
    t = tender(factory, [sub], contractor=gc.setup, document_count=0)
    project_id, wp_id = t.project.id, t.workpackage.id
    first = one_page_pdf("Bestek", ["versie 1"])
    clock.advance(10)
    response = gc.post(f"/projects/{project_id}/documents", {"workpackageId": str(wp_id)},
                       files={"file": ("C:\\tekeningen\\bestek.pdf", first, "application/pdf")})
    assert response.status_code == 201, response.text
    doc = response.json()
    assert (doc["name"], doc["version"], doc["workpackageId"], doc["projectId"]) == \
        ("bestek.pdf", 1, wp_id, None)
    assert doc["sha256"] == hashlib.sha256(first).hexdigest() and doc["size"] == len(first)
    rfp = gc.post("/rfps", {"workpackageId": wp_id}).json()["rfps"][0]
    assert rfp["updatedAt"] == int(clock.now().timestamp())
    clock.advance(10)
    second = one_page_pdf("Bestek", ["versie 2"])
    again = gc.post(f"/projects/{project_id}/documents", {"replacesDocumentId": str(doc["id"])},
                    files={"file": ("bestek-v2.pdf", second, "application/pdf")})
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["version"], again.json()["workpackageId"]) == \
        (doc["id"], 2, wp_id)
    with runtime.sessions() as s:
        versions = s.scalars(select(DocumentVersion).where(DocumentVersion.document_id == doc["id"])
                             .order_by(DocumentVersion.version)).all()
    assert [v.sha256 for v in versions] == [hashlib.sha256(b).hexdigest() for b in (first, second)]
    assert all(runtime.storage.exists(v.storage_key) for v in versions)
    rfp = gc.post("/rfps", {"workpackageId": wp_id}).json()["rfps"][0]
    assert rfp["updatedAt"] == int(clock.now().timestamp())
    # Any file type is accepted for tender documents (drawings come in many formats); a
    # project-level document touches every RFP of the project.
    clock.advance(10)
    dwg = gc.post(f"/projects/{project_id}/documents",
                  files={"file": ("plattegrond.dwg", b"AC1032 drawing", "image/vnd.dwg")})
    assert dwg.status_code == 201 and dwg.json()["projectId"] == project_id
    names = [d["name"] for d in gc.get(f"/projects/{project_id}").json()["documents"]]
    assert names == ["plattegrond.dwg"]
    rfp = gc.post("/rfps", {"projectId": project_id}).json()["rfps"][0]
    assert rfp["updatedAt"] == int(clock.now().timestamp())
    assert [e.event for e in factory.events(gc.company_id) if e.event.startswith("document.")] \
        == ["document.added", "document.versioned", "document.added"]


def test_add_document_errors(factory, client, runtime):
    gc = contractor(factory, client)
    other = contractor(factory, client)
    mine = gc.project()
    wp_elsewhere = gc.workpackage(gc.project()["id"])
    theirs = other.project()
    pdf = ("a.pdf", one_page_pdf("a"), "application/pdf")
    assert_not_found(gc.post(f"/projects/{theirs['id']}/documents", files={"file": pdf}),
                     "project")
    wrong_wp = gc.post(f"/projects/{mine['id']}/documents",
                       {"workpackageId": str(wp_elsewhere["id"])}, files={"file": pdf})
    assert wrong_wp.status_code == 422
    assert wrong_wp.json()["errors"][0]["parameter"] == "workpackageId"
    their_doc = other.post(f"/projects/{theirs['id']}/documents", files={"file": pdf}).json()
    assert_not_found(gc.post(f"/projects/{mine['id']}/documents",
                             {"replacesDocumentId": str(their_doc["id"])}, files={"file": pdf}),
                     "document")
    beyond = gc.post(f"/projects/{mine['id']}/documents",
                     {"replacesDocumentId": str(10**17)}, files={"file": pdf})
    assert beyond.status_code == 422
    assert beyond.json()["errors"][0]["parameter"] == "replacesDocumentId"
    no_file = gc.post(f"/projects/{mine['id']}/documents", {"workpackageId": "1"})
    assert no_file.status_code == 422
    assert "file" in [e["parameter"] for e in no_file.json()["errors"]]
    runtime.settings.max_upload_bytes = 100
    too_big = gc.post(f"/projects/{mine['id']}/documents",
                      files={"file": ("big.pdf", b"x" * 101, "application/pdf")})
    assert too_big.status_code == 413 and too_big.json()["code"] == "file_too_large"
    assert gc.get(f"/projects/{mine['id']}").json()["documents"] == []
