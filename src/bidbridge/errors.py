"""Domain errors: a stable code, an HTTP status, a message that says what to do, and data."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error a caller can act on; rendered once, as RFC 9457 problem details."""

    code = "error"
    status = 400
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.data = data or {}
        self.headers = headers or {}
        # (company id, contact id, name) the refusal concerns, for the request log only.
        self.subject: tuple[int, int, str] | None = None


class InvalidParameters(AppError):
    code = "invalid_parameters"
    status = 422
    title = "Invalid parameters"


class Unauthorized(AppError):
    status = 401
    title = "Unauthorized"


class Forbidden(AppError):
    status = 403
    title = "Forbidden"


class NotFound(AppError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(AppError):
    code = "conflict"
    status = 409
    title = "Conflict"


class TooManyRequests(AppError):
    code = "too_many_requests"
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(
            detail,
            code=code,
            data={"retryAfter": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class MethodNotAllowed(AppError):
    code = "method_not_allowed"
    status = 405
    title = "Method not allowed"


class ServiceUnavailable(AppError):
    code = "service_unavailable"
    status = 503
    title = "Service unavailable"
