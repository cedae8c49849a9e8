"""For integrators: check a webhook delivery's signature, and follow the change feed.

    event = verify_webhook(request.headers, request.body, secret)   # raises WebhookError

    for event in client.iter_events(cursor=saved):                  # every event, once
        handle(event)
    saved = client.last_cursor                                      # resume from it next time
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class WebhookError(ValueError):
    """The delivery is not from bidbridge (or not for this secret), or too old/new to trust."""


def verify_webhook(headers: Mapping[str, str], body: bytes | str, secret: str) -> dict[str, Any]:
    """The event of a webhook delivery, once its Standard Webhooks signature checks out with
    ``secret`` (whsec_…); the timestamp must be within five minutes of now. During a secret
    rotation either secret verifies. Deduplicate on ``headers["webhook-id"]``."""
    try:
        event = Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})
    except WebhookVerificationError as exc:
        raise WebhookError(str(exc)) from exc
    if not isinstance(event, dict):
        raise WebhookError("the body is not a JSON object")
    return event


class FeedMixin:
    """``iter_events``: getEvents page after page; ``follow=True`` waits for new events."""

    last_cursor: str | None = None

    def iter_events(self, cursor: str | None = None, *, follow: bool = False,
                    poll_seconds: float = 5.0, **filters: Any) -> Iterator[Any]:
        """Every event after ``cursor`` (all kept events without one), in order, exactly once.
        ``last_cursor`` is where the last complete page ended: save it to resume (resuming may
        repeat events of a page you were in the middle of; their ids tell). With ``follow`` it
        waits ``poll_seconds`` whenever the feed is at its end, for ever."""
        get_events = self.get_events  # type: ignore[attr-defined]  # the generated function
        self.last_cursor = cursor
        while True:
            page = get_events(cursor=self.last_cursor, **filters)
            yield from page.events
            self.last_cursor = page.next_cursor
            if page.has_more:
                continue
            if not follow:
                return
            time.sleep(poll_seconds)
