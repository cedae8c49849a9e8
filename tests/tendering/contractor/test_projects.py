"""addProject, updateProject, getProjects, getProject and getPhases on both databases."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bidbridge.api.contractor.projects import AddProjectIn
from bidbridge.models import Project
from tests.factories import unique
from tests.tendering.contractor.helpers import assert_not_found, contractor
from tests.tendering_factory import tender

FULL = {
    "phaseId": "2", "classificationSystems": "NL-SfB,STABU", "calcNumber": "C-2026-014",
    "workNumber": "W-77", "status": "tender", "address_1": "Veldhuizen 10", "address_2": "Hal B",
    "zip": "3544 NA", "city": "Utrecht", "countryCode": "BE", "client": "Gemeente Utrecht",
    "manager": "P. Manager", "architect": "A. Rchitect", "constructor": "C. Onstructeur",
    "calculator": "C. Alculator", "inkoper": "I. Nkoper", "werkvoorbereider": "W. Voorbereider",
    "plannedStart": "1788220800", "plannedComplete": "1819756800", "deadlineDate": "1785513600",
    "questionsDate": "1784908800", "questionsTime": "14", "updateDate": "1785081600",
    "updateTime": "9", "tenderDate": "1785600000", "inspectionDate": "1784304000",
    "reason": "start van het inkooptraject", "buildingSectors": "Offshore Maritiem,Bouw",
    "description": "Two lines\nof description",
}


def test_add_project_with_every_field_round_trips(factory, client):
    gc = contractor(factory, client)
    name = unique("Kantoor")
    response = gc.post("/project", {"name": name, **FULL})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == name
    assert body["phaseId"] == 2
    # Comma lists come back as lists, each value once, in the reference order.
    assert body["classificationSystems"] == ["STABU", "NL-SfB"]
    assert body["buildingSectors"] == ["Bouw", "Offshore Maritiem"]
    assert body["address_1"] == "Veldhuizen 10" and body["address_2"] == "Hal B"
    assert body["countryCode"] == "BE"
    assert body["reason"] == "start van het inkooptraject"
    assert body["plannedStart"] == 1788220800 and body["deadlineDate"] == 1785513600
    assert body["questionsTime"] == 14 and body["updateTime"] == 9
    assert body["description"] == "Two lines\nof description"
    fetched = gc.get(f"/projects/{body['id']}").json()
    assert {k: fetched[k] for k in body} == body
    events = factory.events(gc.company_id, "project.created")
    assert [e.target_id for e in events] == [body["id"]]
    assert events[0].actor_name == gc.setup.api_user.name


def test_add_project_needs_a_name_and_defaults_status(factory, client):
    gc = contractor(factory, client)
    missing = gc.post("/project", {"city": "Utrecht"})
    assert missing.status_code == 422
    assert [e["parameter"] for e in missing.json()["errors"]] == ["name"]
    assert gc.project(name="Only a name")["status"] == "active"


@pytest.mark.parametrize(("field", "value"), [
    # The modelled platform's ungrouped patterns (^tender|none$, ^\d+) let these through.
    ("status", "tenderXYZ"), ("status", "xnone"), ("status", "tender|none"),
    ("phaseId", "12abc"), ("phaseId", "4"), ("phaseId", "0"), ("phaseId", "1 "),
    ("deadlineDate", "12abc"), ("deadlineDate", "178551360"), ("deadlineDate", "17855136000"),
    ("questionsTime", "0"), ("questionsTime", "24"), ("questionsTime", "12abc"),
    ("updateTime", "07"), ("countryCode", "nl"), ("countryCode", "NLD"), ("countryCode", "N1"),
    ("reason", "prijsopgaveXYZ"), ("reason", "Aanbesteding"),
    ("classificationSystems", "STABUX"), ("classificationSystems", "STABU,"),
    ("classificationSystems", "STABU;RAW"), ("buildingSectors", "Bouw,Ruimtevaart"),
    ("buildingSectors", "Offshore"), ("zip", "35 44\n"), ("name", "a\nb"),
    ("calcNumber", "x" * 65), ("client", " leading space"), ("name", "   "),
])
def test_add_project_refuses_values_that_loose_patterns_would_accept(factory, client, field,
                                                                      value):
    gc = contractor(factory, client)
    params = {"name": unique("Project"), field: value} if field != "name" else {field: value}
    response = gc.post("/project", params)
    assert response.status_code == 422, (field, value, response.text)
    errors = response.json()["errors"]
    assert [e["parameter"] for e in errors] == [field]
    with factory.runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Project)
                        .where(Project.company_id == gc.company_id)) == 0


def test_every_pattern_is_anchored_and_grouped():
    for param in AddProjectIn.PARAMS:
        if param.pattern is None:
            continue
        assert param.pattern.startswith("^(") and param.pattern.endswith(")$"), param.name
        # The whole alternation sits inside the group: no top-level "|".
        inner = re.sub(r"\((?:[^()]|\([^()]*\))*\)", "", param.pattern[1:-1])
        assert "|" not in inner, param.name


def test_country_code_must_be_an_assigned_one(factory, client):
    gc = contractor(factory, client)
    response = gc.post("/project", {"name": unique("P"), "countryCode": "XX"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["parameter"] == "countryCode" and "ISO 3166" in error["message"]
    assert gc.project(countryCode="AT")["countryCode"] == "AT"


def test_cross_field_rules(factory, client):
    gc = contractor(factory, client)
    backwards = gc.post("/project", {"name": unique("P"), "plannedStart": "1800000000",
                                     "plannedComplete": "1700000000"})
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["parameter"] == "plannedComplete"
    hour_alone = gc.post("/project", {"name": unique("P"), "questionsTime": "12"})
    assert hour_alone.status_code == 422
    assert hour_alone.json()["errors"][0]["parameter"] == "questionsTime"


def test_update_project_changes_only_given_fields_and_touches_rfps(factory, client, clock, runtime):
    gc = contractor(factory, client)
    sub = factory.company()
    t = tender(factory, [sub], contractor=gc.setup)
    before = gc.get(f"/projects/{t.project.id}").json()
    clock.advance(60)
    response = gc.post(f"/projects/{t.project.id}", {"city": "Amersfoort",
                                                     "buildingSectors": "Infra"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["city"] == "Amersfoort" and body["buildingSectors"] == ["Infra"]
    assert body["name"] == before["name"] and body["reason"] == before["reason"]
    assert body["updatedAt"] == before["updatedAt"] + 60
    rfps = gc.post("/rfps", {"projectId": t.project.id}).json()["rfps"]
    assert [r["updatedAt"] for r in rfps] == [before["updatedAt"] + 60]
    event = factory.events(gc.company_id, "project.updated")[-1]
    assert event.data == {"changed": ["city", "buildingSectors"]}


def test_update_project_without_fields_is_refused(factory, client):
    gc = contractor(factory, client)
    project = gc.project()
    response = gc.post(f"/projects/{project['id']}", {})
    assert response.status_code == 422
    assert "no field" in response.json()["detail"]
    bad = gc.post(f"/projects/{project['id']}", {"status": "tenderXYZ"})
    assert bad.status_code == 422


def test_get_projects_pages_by_change_and_filters(factory, client, clock):
    gc = contractor(factory, client)
    ids = []
    for status in ("tender", "active", "tender"):
        ids.append(gc.project(status=status)["id"])
        clock.advance(10)
    page1 = gc.post("/projects", {"limit": "2"}).json()
    assert [p["id"] for p in page1["projects"]] == ids[:2]
    page2 = gc.post("/projects", {"limit": "2", "cursor": page1["nextCursor"]}).json()
    assert [p["id"] for p in page2["projects"]] == ids[2:]
    assert page2["nextCursor"] is None
    tenders = gc.post("/projects", {"status": "tender"}).json()["projects"]
    assert [p["id"] for p in tenders] == [ids[0], ids[2]]
    # A change moves the project to the end of the change order.
    since = int(clock.now().timestamp())
    gc.post(f"/projects/{ids[0]}", {"city": "Delft"})
    changed = gc.post("/projects", {"updatedSince": str(since)}).json()["projects"]
    assert [p["id"] for p in changed] == [ids[0]]
    assert gc.post("/projects", {"cursor": "bm90IGEgY3Vyc29y"}).json()["code"] == \
        "invalid_parameters"


def test_get_project_lists_workpackages_with_counts_and_documents(factory, client):
    gc = contractor(factory, client)
    sub = factory.company()
    t = tender(factory, [sub], contractor=gc.setup, lines=3, document_count=2)
    body = gc.get(f"/projects/{t.project.id}").json()
    assert [w["id"] for w in body["workpackages"]] == [t.workpackage.id]
    wp = body["workpackages"][0]
    assert (wp["budgetLineCount"], wp["documentCount"], wp["rfpCount"]) == (3, 1, 1)
    assert [d["name"] for d in body["documents"]] == ["bestek-1.pdf"]
    assert body["documents"][0]["version"] == 1 and len(body["documents"][0]["sha256"]) == 64


def test_projects_of_another_contractor_are_not_found(factory, client):
    gc = contractor(factory, client)
    other = contractor(factory, client)
    theirs = other.project()
    assert_not_found(gc.get(f"/projects/{theirs['id']}"), "project")
    assert_not_found(gc.post(f"/projects/{theirs['id']}", {"city": "X"}), "project")
    assert theirs["id"] not in [p["id"] for p in gc.post("/projects", {}).json()["projects"]]
    assert other.get(f"/projects/{theirs['id']}").json()["city"] is None


def test_get_phases(factory, client):
    gc = contractor(factory, client)
    assert gc.get("/reference/phases").json() == [
        {"id": 1, "name": "Calculatie", "description": "estimating"},
        {"id": 2, "name": "Inkoop", "description": "purchasing"},
        {"id": 3, "name": "Uitvoering", "description": "execution"},
    ]
    sectors = [s["name"] for s in gc.get("/reference/building-sectors").json()]
    assert sectors[-1] == "Offshore Maritiem" and len(sectors) == 8


def test_subcontractor_token_cannot_use_the_contractor_api(factory, client):
    from tests.factories import auth, get_token

    sub = factory.company()
    token = get_token(client, sub)
    response = client.post("/rest/contractor/v1/project", data={"name": "x"},
                           headers=auth(token))
    assert response.status_code == 401
