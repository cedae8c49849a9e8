"""The client's verify_webhook (against what the worker signs) and iter_events over the feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bidbridge.client import Client, WebhookError, verify_webhook
from bidbridge.models import RfpResponse
from bidbridge.services import webhooks
from bidbridge.services.webhook_delivery import signature_header
from tests.events.support import settle
from tests.events.test_feed import _respond
from tests.tendering.sub.support import signed_in
from tests.tendering_factory import tender


def _signed(body: str, secrets: list[str], when: datetime) -> dict[str, str]:
    return {"Webhook-Id": "evt_7", "Webhook-Timestamp": str(int(when.timestamp())),
            "Webhook-Signature": signature_header(secrets, "evt_7", when, body)}


def test_verify_webhook_accepts_ours_and_refuses_the_rest():
    body = json.dumps({"id": 7, "type": "rfp.changed"})
    secret, other = webhooks.new_secret(), webhooks.new_secret()
    now = datetime.now(UTC)
    assert verify_webhook(_signed(body, [secret], now), body.encode(), secret)["id"] == 7
    # During a rotation both secrets verify the same delivery.
    both = _signed(body, [other, secret], now)
    assert verify_webhook(both, body, secret) == verify_webhook(both, body, other)
    with pytest.raises(WebhookError):
        verify_webhook(_signed(body, [other], now), body, secret)
    with pytest.raises(WebhookError):
        verify_webhook(_signed(body, [secret], now), body.replace("7", "8"), secret)
    with pytest.raises(WebhookError):  # a replayed old delivery
        verify_webhook(_signed(body, [secret], now - timedelta(minutes=10)), body, secret)


def test_iter_events_pages_through_the_feed_once(client, factory):
    sub = signed_in(factory, client)
    rfps = [tender(factory, [sub.setup]).rfp_for(sub.setup) for _ in range(3)]
    with Client("http://testserver", sub.setup.login, sub.setup.api_key, http=client) as api:
        settle(factory.runtime)
        list(api.iter_events())
        start = api.last_cursor
        for rfp in rfps:
            _respond(factory, sub, rfp.id)
            _respond(factory, sub, rfp.id, RfpResponse.PENDING)
        settle(factory.runtime)
        seen = list(api.iter_events(start, limit=2))
        assert [e.rfp_id for e in seen] == [r.id for r in rfps for _ in range(2)]
        assert len({e.id for e in seen}) == 6
        assert list(api.iter_events(api.last_cursor)) == []
