"""The error codes of both APIs: HTTP status, title and what the caller should do, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from bidbridge.api.declare import Function
from bidbridge.api.problem import PROBLEM_TYPE_BASE


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    title: str
    meaning: str

    @property
    def type_uri(self) -> str:
        return PROBLEM_TYPE_BASE + self.code

    @property
    def anchor(self) -> str:
        return "error-" + self.code


_TABLE = [
    ErrorCode("token_missing", 401, "Unauthorized",
              "The X-Auth-Token header is missing. Get a token with getToken and send it on every call."),
    ErrorCode("token_invalid", 401, "Unauthorized",
              "The token is unknown or was revoked (new key, other API user). Request a new token."),
    ErrorCode("token_expired", 401, "Unauthorized",
              "The token's hour is over. Request a new token with your API key (getToken) and retry."),
    ErrorCode("invalid_credentials", 401, "Unauthorized",
              "The login and API key do not match an active key. Check both, or generate a new key "
              "in My Account → API."),
    ErrorCode("api_not_activated", 403, "Forbidden",
              "The company's API module is not active. Ask platform support to activate it."),
    ErrorCode("not_found", 404, "Not found",
              "No such object for your company. Objects of other companies answer this too."),
    ErrorCode("unknown_function", 404, "Not found",
              "No API function lives at this path. The function reference lists them all."),
    ErrorCode("method_not_allowed", 405, "Method not allowed",
              "Functions with only template parameters take GET, those with query parameters take "
              "POST; the Allow header names the right one."),
    ErrorCode("conflict", 409, "Conflict",
              "The object is not in a state that allows this call; the detail says why."),
    ErrorCode("malformed_body", 400, "Bad request",
              "The body could not be read (broken JSON, or JSON that is not an object)."),
    ErrorCode("unsupported_media_type", 415, "Bad request",
              "Send query parameters form-encoded, as multipart/form-data (with files) or as JSON."),
    ErrorCode("invalid_parameters", 422, "Invalid parameters",
              "One or more parameters are missing or do not match their pattern; 'errors' lists "
              "every problem with the parameter, what was expected and the pattern."),
    ErrorCode("rate_limited", 429, "Too many requests",
              "Too many calls in a short time. Wait the number of seconds in Retry-After."),
    ErrorCode("too_many_failures", 429, "Too many requests",
              "Too many failed getToken attempts for this login or address. Wait Retry-After "
              "seconds, then check the login and key."),
    ErrorCode("too_many_requests", 429, "Too many requests",
              "Too many calls in a short time. Wait the number of seconds in Retry-After."),
    ErrorCode("internal_error", 500, "Internal server error",
              "An unexpected error on our side; nothing was changed. Quote the requestId to support."),
    ErrorCode("service_unavailable", 503, "Service unavailable",
              "The platform is briefly unavailable. Retry after the seconds in Retry-After."),
]

ERRORS: dict[str, ErrorCode] = {e.code: e for e in _TABLE}

# Errors the dispatcher itself can answer, whatever the function.
ANY_FUNCTION = ("service_unavailable", "internal_error")
WITH_BODY = ("malformed_body", "unsupported_media_type")


def documented_errors(fn: Function) -> tuple[str, ...]:
    """Every code ``fn`` may answer with: its declared ones plus what dispatch adds."""
    extra = (*WITH_BODY, *ANY_FUNCTION) if fn.method == "POST" else ANY_FUNCTION
    return tuple(dict.fromkeys((*fn.all_errors, *extra)))


def error(code: str) -> ErrorCode:
    found = ERRORS.get(code)
    if found is None:
        raise KeyError(f"error code {code!r} has no entry in bidbridge.api.docs.errors; add its "
                       "status, title and meaning there")
    return found


def errors_by_status(fn: Function) -> dict[int, list[ErrorCode]]:
    grouped: dict[int, list[ErrorCode]] = {}
    for code in documented_errors(fn):
        entry = error(code)
        grouped.setdefault(entry.status, []).append(entry)
    return dict(sorted(grouped.items()))
