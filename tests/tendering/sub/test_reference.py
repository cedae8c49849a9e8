from bidbridge.reference import BUILDING_SECTORS
from tests.tendering.sub.support import API, signed_in


def test_reference_lists(factory, client):
    sub = signed_in(factory, client)
    phases = sub.get("/reference/phases")
    assert phases.status_code == 200
    assert phases.json() == [
        {"id": 1, "name": "Calculatie", "description": "estimating"},
        {"id": 2, "name": "Inkoop", "description": "purchasing"},
        {"id": 3, "name": "Uitvoering", "description": "execution"},
    ]
    sectors = sub.get("/reference/building-sectors").json()
    assert [s["name"] for s in sectors] == list(BUILDING_SECTORS)
    assert "Offshore Maritiem" in [s["name"] for s in sectors]
    systems = sub.get("/reference/classification-systems").json()
    assert [s["name"] for s in systems] == ["STABU", "NL-SfB", "RAW"]
    statuses = sub.get("/reference/rfp-statuses").json()
    assert len(statuses) == 9
    assert statuses[0] == {"status": "unknown", "label": "Unknown"}
    assert {"status": "not_calculating", "label": "Not calculating"} in statuses
    assert statuses[-1] == {"status": "not_awarded", "label": "Not awarded"}


def test_reference_lists_need_a_token(client):
    response = client.get(API + "/reference/phases")
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"
