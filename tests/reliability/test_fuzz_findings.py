"""Found by fuzzing: a NUL byte reached PostgreSQL (500); a broken multipart body got an
undocumented code."""

from __future__ import annotations

from tests.factories import auth, get_token


def test_a_nul_byte_in_a_text_parameter_is_refused_by_name(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post("/rest/subcontractor/v1/company", headers=auth(token),
                           data={"website": "http://example.nl/a\x00b"})
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["parameter"] for e in errors] == ["website"]
    assert "NUL" in errors[0]["message"]


def test_a_nul_byte_inside_a_json_parameter_is_refused_by_name(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post("/rest/subcontractor/v1/rfps/1/budget-lines", headers=auth(token),
                           json={"lines": [{"description": "a\x00b", "quantity": "1",
                                            "unit": "st", "totalPrice": "1.00"}]})
    assert response.status_code == 422, response.text
    assert [e["parameter"] for e in response.json()["errors"]] == ["lines"]


def test_a_broken_multipart_body_is_malformed_body(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post("/rest/subcontractor/v1/audit-log",
                           headers={**auth(token), "Content-Type": "multipart/form-data"},
                           content=b"--x\r\nnot a part")
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_body"
