"""Rendering errors once, as RFC 9457 problem details with a stable code."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from bidbridge.errors import AppError

PROBLEM_TYPE_BASE = "https://bidbridge.dev/problems/"


def problem_body(status: int, code: str, title: str, detail: str,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status,
                            "detail": detail, "code": code}
    # Extension members never override the standard ones.
    body.update((k, v) for k, v in (extra or {}).items() if k not in body)
    return body


def problem_response(error: AppError, request_id: str | None = None) -> Response:
    body = problem_body(error.status, error.code, error.title, error.detail, error.data)
    if request_id:
        body["requestId"] = request_id
    return Response(dumps(body), status_code=error.status, headers=error.headers,
                    media_type="application/problem+json")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return int(value.timestamp())
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any) -> bytes:
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":")).encode()
