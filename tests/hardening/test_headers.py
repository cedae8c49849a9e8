"""Headers: nosniff everywhere, HSTS behind HTTPS, no-store on credentials and tenant data,
downloads as attachments of an allowed type, and no CORS unless configured."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bidbridge.app import create_app
from tests.factories import auth, get_token
from tests.runtime_variants import runtime_with
from tests.tendering.sub.support import add_tender_document, signed_in
from tests.tendering_factory import tender
from tests.web.helpers import logged_in


def test_nosniff_on_every_kind_of_answer(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    answers = [
        client.get("/rest/subcontractor/v1/me", headers=auth(token)),
        client.get("/rest/subcontractor/v1/no-such-function"),
        client.get("/rest/subcontractor/v1/openapi.json"),
        client.get("/static/app.css"),
        client.get("/login"),
        client.get("/nowhere"),
    ]
    for response in answers:
        assert response.headers.get("x-content-type-options") == "nosniff", response.url


def test_no_store_on_get_token_and_every_authenticated_api_answer(client, factory):
    setup = factory.company()
    issued = client.post("/rest/subcontractor/v1/tokens",
                         data={"login": setup.login, "apiKey": setup.api_key})
    assert issued.headers["cache-control"] == "no-store"
    refused = client.post("/rest/subcontractor/v1/tokens",
                          data={"login": setup.login, "apiKey": "bb_" + "0" * 16 + "_" + "x" * 43})
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
    token = issued.json()["token"]
    for response in (client.get("/rest/subcontractor/v1/me", headers=auth(token)),
                     client.get("/rest/subcontractor/v1/rfps/999999", headers=auth(token)),
                     client.post("/rest/subcontractor/v1/audit-log", headers=auth(token))):
        assert response.headers["cache-control"] == "no-store", response.url


def test_downloads_are_attachments_of_an_allowed_type(factory, client):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup], document_count=0)
    contractor_id = t.contractor.company.id
    served = {}
    for name, stored in [("plan.pdf", "application/pdf"), ("page.html", "text/html"),
                         ("drawing.svg", "image/svg+xml"), ("x.bin", "text/html; charset=utf-8"),
                         ("odd.pdf", "Application/PDF")]:
        doc = add_tender_document(factory, contractor_id=contractor_id, content=b"<b>x</b>",
                                  name=name, project_id=t.project.id, content_type=stored)
        response = sub.get(f"/documents/{doc.id}")
        assert response.status_code == 200, response.text
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["x-content-type-options"] == "nosniff"
        served[name] = response.headers["content-type"]
    assert served == {"plan.pdf": "application/pdf", "page.html": "application/octet-stream",
                      "drawing.svg": "application/octet-stream",
                      "x.bin": "application/octet-stream", "odd.pdf": "application/pdf"}


def test_hsts_only_with_secure_cookies(runtime):
    with TestClient(create_app(runtime.settings, runtime=runtime)) as plain:
        assert "strict-transport-security" not in plain.get("/login").headers
    secure = runtime_with(runtime, secure_cookies=True)
    with TestClient(create_app(secure.settings, runtime=secure)) as c:
        for path in ("/login", "/rest/subcontractor/v1/me"):
            assert c.get(path).headers["strict-transport-security"].startswith("max-age=")


ORIGIN = "https://erp.example"


def test_no_cors_by_default(client):
    preflight = client.options("/rest/subcontractor/v1/tokens",
                               headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    simple = client.get("/rest/subcontractor/v1/me", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in simple.headers


@pytest.mark.parametrize("origin, allowed", [(ORIGIN, True), ("https://evil.example", False)])
def test_cors_for_configured_origins_only(runtime, origin, allowed):
    configured = runtime_with(runtime, cors_allow_origins=f"{ORIGIN}, https://other.example")
    with TestClient(create_app(configured.settings, runtime=configured)) as c:
        preflight = c.options("/rest/subcontractor/v1/tokens",
                              headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                       "Access-Control-Request-Headers": "X-Auth-Token"})
        if allowed:
            assert preflight.status_code == 200
            assert preflight.headers["access-control-allow-origin"] == origin
            assert "x-auth-token" in preflight.headers["access-control-allow-headers"].lower()
        else:
            assert "access-control-allow-origin" not in preflight.headers
        assert "access-control-allow-credentials" not in preflight.headers


def test_web_pages_keep_their_cache_control(client, factory):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    assert client.get("/account").headers["cache-control"] == "no-store"
