"""My Account → API lists the company's webhook endpoints with their state and last attempt."""

from __future__ import annotations

import html

from bidbridge.services import webhooks
from bidbridge.services.context import Actor
from tests.web.helpers import logged_in


def test_webhook_endpoints_on_the_api_tab(client, factory, runtime):
    setup = factory.company(with_key=False)
    logged_in(client, setup.api_user.email)
    assert "No webhook endpoints yet." in client.get("/account/api").text
    ctx = factory.ctx(Actor("contact", setup.api_user.id, setup.api_user.name, setup.company.id))
    sealer = webhooks.Sealer(runtime.settings.secret_key)
    with runtime.sessions() as s, s.begin():
        webhooks.add_endpoint(s, ctx, sealer, setup.company.id, url="https://erp.example.com/a",
                              event_types=["rfp.received"], description="ERP production")
        off, secret = webhooks.add_endpoint(s, ctx, sealer, setup.company.id,
                                            url="https://erp.example.com/b", event_types=[],
                                            description=None)
        webhooks.disable_by_platform(s, ctx, off, "the endpoint answered 410 Gone")
    page = html.unescape(client.get("/account/api").text)
    assert "https://erp.example.com/a" in page and "ERP production" in page
    assert "rfp.received" in page and "Enabled" in page
    assert "https://erp.example.com/b" in page and "answered 410 Gone" in page
    assert secret not in page  # secrets are shown once, by the API, never here
    other = factory.company(with_key=False)
    logged_in(client, other.api_user.email)
    assert "erp.example.com" not in client.get("/account/api").text
