"""A state-changing API function that exists only in tests, to exercise the generic dispatch
mechanisms (idempotency, rate limits) independently of the business functions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from starlette.datastructures import UploadFile

from bidbridge.api.call import Call
from bidbridge.api.declare import REGISTRY, Input, Param, function
from bidbridge.errors import AppError, Conflict
from bidbridge.services.audit import record_event

NAME = "probeWrite"
PATH = "/probe/{thingId}"
EVENT = "probe.written"
# Failures to inject on the next calls, consumed one per call: "500", "409" or "422".
FAILURES: list[str] = []
_lock = threading.Lock()


class ProbeIn(Input):
    thing_id: Annotated[int, Param("thingId", "template", "a number", pattern=r"^[0-9]{1,9}$",
                                   required=True, type="integer")]
    label: Annotated[str, Param("label", "query", "a label", pattern=r"^[a-z0-9 -]{1,40}$",
                                required=True)]
    delay_ms: Annotated[int | None, Param("delayMs", "query", "sleep inside the transaction",
                                          pattern=r"^[0-9]{1,4}$", type="integer")] = None
    attachment: Annotated[UploadFile | None, Param("attachment", "query", "a file",
                                                   type="file")] = None


def _probe(call: Call, args: ProbeIn) -> dict[str, Any]:
    with _lock:
        failure = FAILURES.pop(0) if FAILURES else None
    if args.delay_ms:
        time.sleep(args.delay_ms / 1000)
    event = record_event(call.session, call.ctx, EVENT, company_id=call.principal.company_id,
                         target_type="thing", target_id=args.thing_id,
                         data={"label": args.label})
    call.session.flush()
    if failure == "500":
        raise RuntimeError("injected failure")
    if failure == "409":
        raise Conflict("injected conflict", code="conflict")
    if failure == "422" or args.label == "refuse":
        raise AppError("this label is refused", code="probe_refused", status=422)
    attachment = args.attachment
    return {"eventId": event.id, "label": args.label, "thingId": args.thing_id,
            "attachment": attachment.filename if attachment is not None else None}


@contextmanager
def registered() -> Iterator[None]:
    """Declare probeWrite for the duration of a test (apps created inside see it)."""
    function(api="subcontractor", name=NAME, path=PATH, summary="test probe", status=201,
             idempotent_writes=True,
             input=ProbeIn)(_probe)
    FAILURES.clear()
    try:
        yield
    finally:
        REGISTRY["subcontractor"].pop(NAME, None)
        FAILURES.clear()
