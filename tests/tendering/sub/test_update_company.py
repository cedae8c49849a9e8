from bidbridge.clock import unix
from bidbridge.models import Company
from tests.tendering.sub.support import signed_in


def test_update_changes_only_the_given_fields(factory, client, clock):
    sub = signed_in(factory, client)
    clock.advance(30)
    response = sub.post("/company", {"address_1": "Stationsplein 1", "zip": "3511 ED",
                                     "phone": "+31 30 123 4567",
                                     "website": "https://www.example.nl", "countryCode": "BE"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["address_1"] == "Stationsplein 1" and body["zip"] == "3511 ED"
    assert body["countryCode"] == "BE" and body["phone"] == "+31 30 123 4567"
    assert body["city"] == "Utrecht"  # unchanged
    assert body["name"] == sub.setup.company.name
    assert body["updatedAt"] == unix(clock.now())
    assert sub.get("/company").json() == body
    [event] = factory.events(sub.company_id, "company.updated")
    assert event.actor_name == sub.setup.api_user.name
    assert event.data["changes"]["country_code"] == {"old": "NL", "new": "BE"}
    assert event.data["changes"]["address_1"] == {"old": None, "new": "Stationsplein 1"}
    assert "city" not in event.data["changes"]


def test_same_values_write_no_event(factory, client):
    sub = signed_in(factory, client)
    assert sub.post("/company", {"city": "Utrecht"}).status_code == 200
    assert factory.events(sub.company_id, "company.updated") == []


def test_at_least_one_field_and_no_name(factory, client):
    sub = signed_in(factory, client)
    empty = sub.post("/company", {})
    assert empty.status_code == 422
    assert {e["parameter"] for e in empty.json()["errors"]} >= {"address_1", "website"}
    named = sub.post("/company", {"name": "Nieuwe Naam BV", "city": "Delft"})
    assert named.status_code == 422
    assert named.json()["errors"][0]["parameter"] == "name"
    bad = sub.post("/company", {"countryCode": "nl", "website": "ftp://x", "zip": "12#4"})
    assert {e["parameter"] for e in bad.json()["errors"]} == {"countryCode", "website", "zip"}
    with factory.runtime.sessions() as s:
        company = s.get(Company, sub.company_id)
        assert company.city == "Utrecht" and company.name == sub.setup.company.name
