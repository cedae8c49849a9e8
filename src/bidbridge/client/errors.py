"""Exceptions of the bidbridge client: every API error carries status, code, detail and request id."""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Anything the client could not do (an API refusal, a broken download, the network)."""


class ApiError(ClientError):
    """The API answered with problem details (RFC 9457)."""

    def __init__(self, status: int, code: str, detail: str, problem: dict[str, Any] | None = None,
                 request_id: str | None = None) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.problem = problem or {}
        self.request_id = request_id

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The per-parameter problems of a 422 invalid_parameters."""
        return list(self.problem.get("errors", []))


class RateLimitedError(ApiError):
    """429 or 503 after the retries ran out, or a Retry-After longer than the client waits."""

    @property
    def retry_after(self) -> int | None:
        value = self.problem.get("retryAfter")
        return int(value) if value is not None else None


class DownloadError(ClientError):
    """A download ended short or its bytes do not hash to the expected SHA-256."""
