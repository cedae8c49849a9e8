"""getBudgetLines and priceBudgetLines on both databases: exact money, drafts, tombstones,
validation naming every offending line, deadlines, forwarding, isolation and the audit event."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bidbridge.models import PriceEntry, Rfp
from tests.tendering.proposals.helpers import BASE, bidder, delete_line, price, rfp_row


def get_lines(client, b, rfp_id=None):
    return client.get(f"{BASE}/rfps/{rfp_id or b.rfp_id}/budget-lines", headers=b.headers)


def by_line(body):
    return {line["budgetLineId"]: line for line in body["lines"]}


def test_lines_without_prices_show_the_bill_of_quantities(client, factory):
    b = bidder(client, factory, lines=2)
    body = get_lines(client, b).json()
    assert body["rfpId"] == b.rfp_id
    assert body["currency"] == "EUR"
    assert [(x["code"], x["description"], x["quantity"], x["unit"], x["position"], x["deleted"],
             x["price"]) for x in body["lines"]] == [
        ("22.01", "Line 1", "10.500", "m2", 0, False, None),
        ("22.02", "Line 2", "21.000", "m2", 1, False, None)]
    assert body["extraRows"] == []
    assert body["totals"] == {"includedTotal": "0.00", "currency": "EUR", "lineCount": 2,
                              "pricedCount": 0, "includedCount": 0}


def test_unit_price_and_total_price_store_what_was_typed_and_derive_the_other(client, factory):
    b = bidder(client, factory)  # quantities 10.5, 21, 31.5
    one, two, three = b.line_ids
    response = price(client, b, [
        {"budgetLineId": one, "unitPrice": "1.10"},  # 10.5 x 1.10 = 11.55
        {"budgetLineId": two, "totalPrice": "100"},  # 100 / 21 = 4.76190… -> 4.7619
        {"budgetLineId": three, "unitPrice": "0.05", "included": False},  # 1.575 -> 1.58
    ])
    assert response.status_code == 200, response.text
    lines = by_line(response.json())
    assert (lines[one]["price"]["unitPrice"], lines[one]["price"]["totalPrice"],
            lines[one]["price"]["pricedBy"]) == ("1.10", "11.55", "unitPrice")
    assert (lines[two]["price"]["unitPrice"], lines[two]["price"]["totalPrice"],
            lines[two]["price"]["pricedBy"]) == ("4.7619", "100.00", "totalPrice")
    assert (lines[three]["price"]["totalPrice"], lines[three]["price"]["included"]) == \
        ("1.58", False)
    assert response.json()["totals"] == {"includedTotal": "111.55", "currency": "EUR",
                                         "lineCount": 3, "pricedCount": 3, "includedCount": 2}
    assert get_lines(client, b).json() == response.json()
    with factory.runtime.sessions() as s:
        stored = {e.budget_line_id: (e.unit_price, e.total_price) for e in s.scalars(
            select(PriceEntry).where(PriceEntry.rfp_id == b.rfp_id))}
    assert stored == {one: (Decimal("1.10"), None), two: (None, Decimal("100.00")),
                      three: (Decimal("0.05"), None)}


def test_money_is_exact_for_tricky_values(client, factory):
    """0.1 + 0.2 is 0.30, a third of a unit rounds half-up, large totals keep every cent; JSON
    numbers arrive as Decimal, never through float."""
    b = bidder(client, factory, lines=1)
    rows = [
        {"description": "a", "quantity": 1, "unit": "st", "unitPrice": Decimal("0.1")},
        {"description": "b", "quantity": 1, "unit": "st", "unitPrice": Decimal("0.2")},
        {"description": "third", "quantity": "0.333", "unit": "st", "unitPrice": "3"},  # 0.999
        {"description": "split", "quantity": "3", "unit": "st", "totalPrice": "100.00"},
        {"description": "half cent", "quantity": "0.5", "unit": "st", "unitPrice": "0.01"},
        # GAEB's largest unit price (10 digits) by a quantity just inside the largest total.
        {"description": "big", "quantity": "9.999", "unit": "st",
         "unitPrice": "99999999.99"},  # 999899999.90001 -> 999899999.90
    ]
    raw = json.dumps({"lines": [{k: (float(v) if isinstance(v, Decimal) else v)
                                 for k, v in r.items()} for r in rows]})
    assert '"unitPrice": 0.1' in raw  # the wire carries JSON numbers
    response = client.post(f"{BASE}/rfps/{b.rfp_id}/budget-lines", content=raw,
                           headers={**b.headers, "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    extras = response.json()["extraRows"]
    assert [(e["unitPrice"], e["totalPrice"]) for e in extras] == [
        ("0.10", "0.10"), ("0.20", "0.20"), ("3.00", "1.00"), ("33.3333", "100.00"),
        ("0.01", "0.01"), ("99999999.99", "999899999.90")]
    assert response.json()["totals"]["includedTotal"] == "999900101.21"
    assert sum(Decimal(e["totalPrice"]) for e in extras) == Decimal("999900101.21")


def test_form_field_json_is_accepted_and_parsed_exactly(client, factory):
    b = bidder(client, factory, lines=1)
    response = price(client, b, [{"budgetLineId": b.line_ids[0], "unitPrice": 0.3}], form=True)
    assert response.status_code == 200, response.text
    assert response.json()["lines"][0]["price"]["totalPrice"] == "3.15"  # 10.5 x 0.30


def test_a_call_can_carry_one_line_and_later_calls_keep_the_others(client, factory):
    b = bidder(client, factory)
    one, two, _ = b.line_ids
    price(client, b, [{"budgetLineId": one, "unitPrice": "2.00"}])
    response = price(client, b, [{"budgetLineId": two, "unitPrice": "1.00"}])
    lines = by_line(response.json())
    assert lines[one]["price"]["totalPrice"] == "21.00"
    assert lines[two]["price"]["totalPrice"] == "21.00"
    # included only: the price stays; unitPrice=null removes it; switching to totalPrice clears
    # the unit price.
    response = price(client, b, [{"budgetLineId": one, "included": False},
                                 {"budgetLineId": two, "unitPrice": None}])
    lines = by_line(response.json())
    assert (lines[one]["price"]["totalPrice"], lines[one]["price"]["included"]) == ("21.00", False)
    assert (lines[two]["price"]["totalPrice"], lines[two]["price"]["pricedBy"]) == (None, None)
    response = price(client, b, [{"budgetLineId": one, "totalPrice": "50"}])
    assert by_line(response.json())[one]["price"] == {
        **by_line(response.json())[one]["price"], "unitPrice": "4.7619", "totalPrice": "50.00",
        "pricedBy": "totalPrice", "included": False}
    assert response.json()["totals"]["includedTotal"] == "0.00"


def test_extra_rows_are_added_changed_and_deleted_as_tombstones(client, factory):
    b = bidder(client, factory, lines=1)
    response = price(client, b, [
        {"description": "Steigerwerk", "quantity": "1", "unit": "post", "totalPrice": "1250"},
        {"description": "Afvoer", "quantity": "2.5", "unit": "m3", "unitPrice": "40"}])
    first, second = response.json()["extraRows"]
    assert (first["description"], first["quantity"], first["totalPrice"], first["position"]) == \
        ("Steigerwerk", "1.000", "1250.00", 0)
    assert (second["totalPrice"], second["position"]) == ("100.00", 1)
    response = price(client, b, [
        {"priceEntryId": second["priceEntryId"], "quantity": "3"},  # keeps unit price 40
        {"priceEntryId": first["priceEntryId"], "deleted": True}])
    rows = {r["priceEntryId"]: r for r in response.json()["extraRows"]}
    assert (rows[second["priceEntryId"]]["quantity"], rows[second["priceEntryId"]]["totalPrice"]) \
        == ("3.000", "120.00")
    assert rows[first["priceEntryId"]]["deleted"] is True
    assert rows[first["priceEntryId"]]["totalPrice"] == "1250.00"  # the tombstone keeps its data
    assert response.json()["totals"]["includedTotal"] == "120.00"
    again = price(client, b, [{"priceEntryId": first["priceEntryId"], "unitPrice": "1"}])
    assert again.status_code == 422
    assert again.json()["errors"][0]["parameter"] == "lines[0].priceEntryId"


def test_deleted_budget_lines_are_tombstones_outside_the_total(client, factory, runtime):
    b = bidder(client, factory, lines=2)
    one, two = b.line_ids
    price(client, b, [{"budgetLineId": one, "unitPrice": "1"},
                      {"budgetLineId": two, "unitPrice": "1"}])
    delete_line(runtime, two)
    body = get_lines(client, b).json()
    assert by_line(body)[two]["deleted"] is True
    assert by_line(body)[two]["price"]["totalPrice"] == "21.00"
    assert body["totals"] == {"includedTotal": "10.50", "currency": "EUR", "lineCount": 1,
                              "pricedCount": 1, "includedCount": 1}
    refused = price(client, b, [{"budgetLineId": two, "unitPrice": "2"}])
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["parameter"] == "lines[0].budgetLineId"
    assert "deleted" in refused.json()["errors"][0]["message"]


def test_every_offending_item_is_named_and_nothing_is_saved(client, factory):
    b = bidder(client, factory)
    one, two, three = b.line_ids
    items = [
        {"budgetLineId": one, "unitPrice": "1.00"},  # fine, but the call fails as a whole
        {"budgetLineId": two, "unitPrice": "1.001"},
        {"budgetLineId": three, "unitPrice": "1", "totalPrice": "2"},
        {"budgetLineId": one, "unitPrice": -1},
        {"description": "no unit", "quantity": "1", "unitPrice": "1"},
        {"budgetLineId": one, "unitPrice": "HUGE"},
        {"budgetLineId": one, "unitPrice": "1e3"},
        {"budgetLineId": one, "unitPrice": "1000000000000"},
        {"budgetLineId": one, "included": "yes"},
        {"budgetLineId": one, "colour": "red"},
    ]
    # A JSON number far beyond any float: parsed as Decimal, refused by size.
    raw = json.dumps({"lines": items}).replace('"HUGE"', "1.5e400")
    response = client.post(f"{BASE}/rfps/{b.rfp_id}/budget-lines", content=raw,
                           headers={**b.headers, "Content-Type": "application/json"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_parameters"
    problems = {e["parameter"]: e["message"] for e in body["errors"]}
    assert set(problems) == {
        "lines[1].unitPrice", "lines[2]", "lines[3].unitPrice", "lines[4]", "lines[5].unitPrice",
        "lines[6].unitPrice", "lines[7].unitPrice", "lines[8].included", "lines[9].colour"}
    assert "more than 2 decimals" in problems["lines[1].unitPrice"]
    assert "not both" in problems["lines[2]"]
    assert "must not be negative" in problems["lines[3].unitPrice"]
    assert "missing: unit" in problems["lines[4]"]
    assert "at most 999999999999.99" in problems["lines[5].unitPrice"]
    assert "decimal number" in problems["lines[6].unitPrice"]
    assert "at most 999999999999.99" in problems["lines[7].unitPrice"]
    for name in problems:
        assert name in body["detail"]
    assert get_lines(client, b).json()["totals"]["pricedCount"] == 0


def test_lines_of_another_workpackage_are_named_per_item(client, factory):
    b = bidder(client, factory, lines=1)
    other = bidder(client, factory, lines=1)
    response = price(client, b, [
        {"budgetLineId": b.line_ids[0], "unitPrice": "1"},
        {"budgetLineId": other.line_ids[0], "unitPrice": "1"},
        {"budgetLineId": b.line_ids[0], "unitPrice": "2"},
        {"priceEntryId": 10**15, "unitPrice": "1"},
        {"description": "huge", "quantity": "999999999.999", "unit": "st",
         "unitPrice": "999999999999.99"},
    ])
    assert response.status_code == 422
    errors = {e["parameter"]: e for e in response.json()["errors"]}
    assert set(errors) == {"lines[1].budgetLineId", "lines[2].budgetLineId",
                           "lines[3].priceEntryId", "lines[4].unitPrice"}
    assert errors["lines[1].budgetLineId"]["problem"] == "not_found"
    assert errors["lines[2].budgetLineId"]["problem"] == "duplicate"
    assert errors["lines[4].unitPrice"]["problem"] == "too_large"
    assert str(other.line_ids[0]) in errors["lines[1].budgetLineId"]["message"]
    assert get_lines(client, b).json()["totals"]["pricedCount"] == 0


def test_missing_or_malformed_lines_parameter(client, factory):
    b = bidder(client, factory, lines=1)
    missing = client.post(f"{BASE}/rfps/{b.rfp_id}/budget-lines", data={}, headers=b.headers)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["parameter"] == "lines"
    broken = client.post(f"{BASE}/rfps/{b.rfp_id}/budget-lines", data={"lines": "[{"},
                         headers=b.headers)
    assert broken.status_code == 422
    assert "not valid JSON" in broken.json()["errors"][0]["message"]
    not_list = price(client, b, {"budgetLineId": 1})  # type: ignore[arg-type]
    assert not_list.status_code == 422
    assert not_list.json()["errors"][0]["parameter"] == "lines"


def test_pricing_is_refused_at_the_deadline_but_not_a_second_before(client, factory, clock):
    b = bidder(client, factory, lines=1, deadline_in=timedelta(days=2))
    b.deadline_in(client, clock, 1)
    accepted = price(client, b, [{"budgetLineId": b.line_ids[0], "unitPrice": "1"}])
    assert accepted.status_code == 200
    clock.advance(1)
    refused = price(client, b, [{"budgetLineId": b.line_ids[0], "unitPrice": "2"}])
    assert refused.status_code == 409
    body = refused.json()
    deadline = b.tender.project.deadline_date
    assert body["code"] == "deadline_passed"
    assert body["deadline"] == int(deadline.timestamp())
    assert deadline.isoformat() in body["detail"]
    assert get_lines(client, b).json()["lines"][0]["price"]["unitPrice"] == "1.00"


def test_pricing_is_refused_after_forwarding(client, factory, runtime):
    b = bidder(client, factory, lines=1)
    partner = factory.company()
    with runtime.sessions() as s, s.begin():
        rfp = s.get(Rfp, b.rfp_id)
        rfp.forwarded_to_company_id = partner.company.id
        rfp.forwarded_at = runtime.clock.now()
    refused = price(client, b, [{"budgetLineId": b.line_ids[0], "unitPrice": "1"}])
    assert refused.status_code == 409
    assert refused.json()["code"] == "rfp_forwarded"


def test_another_companys_rfp_is_not_found(client, factory):
    b = bidder(client, factory, lines=1)
    other = bidder(client, factory, lines=1)
    for response in (get_lines(client, b, rfp_id=other.rfp_id),
                     price(client, b, [{"budgetLineId": other.line_ids[0], "unitPrice": "1"}],
                           rfp_id=other.rfp_id)):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert "lines" not in response.json()
    assert get_lines(client, other).json()["totals"]["pricedCount"] == 0


def test_pricing_moves_updated_at_and_writes_the_event_in_the_api_users_name(
        client, factory, clock, runtime):
    b = bidder(client, factory, lines=2)
    before = rfp_row(runtime, b.rfp_id).updated_at
    clock.advance(120)
    response = price(client, b, [
        {"budgetLineId": b.line_ids[1], "unitPrice": "3"},
        {"description": "Extra", "quantity": "1", "unit": "st", "unitPrice": "5"}])
    after = rfp_row(runtime, b.rfp_id).updated_at
    assert after == before + timedelta(seconds=120)
    assert response.json()["updatedAt"] == int(after.timestamp())
    entry_id = response.json()["extraRows"][0]["priceEntryId"]
    [event] = factory.events(b.setup.company.id, "budget_lines.priced")
    assert (event.actor_name, event.actor_id, event.target_id) == \
        (b.setup.api_user.name, b.setup.api_user.id, b.rfp_id)
    assert event.data == {"count": 2, "budgetLineIds": [b.line_ids[1]],
                          "priceEntryIds": [entry_id]}


def test_ids_beyond_the_integer_range_are_refused_by_name(client, factory):
    b = bidder(client, factory, lines=1)
    response = get_lines(client, b, rfp_id=10**17)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_parameters")
    assert [e["parameter"] for e in response.json()["errors"]] == ["rfpId"]


def test_a_total_on_a_zero_quantity_has_no_unit_price(client, factory):
    b = bidder(client, factory, lines=1)
    response = price(client, b, [{"description": "Stelpost", "quantity": "0", "unit": "post",
                                  "totalPrice": "10"},
                                 {"description": "Nul", "quantity": "0", "unit": "st",
                                  "unitPrice": "99.99"}])
    rows = response.json()["extraRows"]
    assert [(r["unitPrice"], r["totalPrice"], r["pricedBy"]) for r in rows] == [
        (None, "10.00", "totalPrice"), ("99.99", "0.00", "unitPrice")]
    assert response.json()["totals"]["includedTotal"] == "10.00"
