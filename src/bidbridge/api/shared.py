"""Functions both APIs have: getToken and the audit log reader."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from bidbridge.api import cursors
from bidbridge.api.call import Call
from bidbridge.api.declare import Api, Input, Param, function
from bidbridge.clock import unix
from bidbridge.errors import TooManyRequests
from bidbridge.models import CompanyKind
from bidbridge.security.credentials import KEY_PATTERN
from bidbridge.services import audit_queries, tokens
from bidbridge.wire.account import (
    TokenOut,
)
from bidbridge.wire.audit import (
    ApiRequestOut,
    AuditEventOut,
    AuditLogOut,
)

UNIX_PATTERN = r"^[0-9]{1,10}$"
LIMIT_PATTERN = r"^([1-9][0-9]?|1[0-9]{2}|200)$"
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"


class TokenIn(Input):
    login: Annotated[str, Param(
        "login", "query", "The e-mail address of the company's API user.",
        pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}$", required=True,
        expected="the API user's e-mail address", example="api@example.com")]
    api_key: Annotated[str, Param(
        "apiKey", "query", "The API key generated in My Account → API.",
        pattern=KEY_PATTERN, required=True, secret=True,
        expected="a key of the form bb_<16 hex>_<43 characters>",
        example="bb_0123456789abcdef_" + "x" * 43)]
    force_new: Annotated[bool, Param(
        "forceNew", "query", "1 issues a new token even while one is still valid.",
        pattern=r"^(0|1)$", type="boolean", expected="0 or 1", example=0, default=False)] = False


def _get_token(call: Call, args: TokenIn) -> TokenOut:
    runtime = call.runtime
    settings = runtime.settings
    login = args.login.strip().lower()
    ip = call.ctx.client_ip or "unknown"
    throttle = runtime.token_throttle
    wait = throttle.wait(login, ip)
    if wait:
        raise TooManyRequests(f"Too many failed getToken attempts for this login from this "
                              f"address, or from this address. Retry after {wait} seconds.",
                              retry_after=wait, code="too_many_failures")
    api = CompanyKind(call.function.api)
    if args.force_new:
        call.write_needed()  # a new token is a change: straight to the writing run
    try:
        issued = tokens.issue_token(
            call.connection, call.open_session, call.ctx, login=login, raw_key=args.api_key,
            force_new=args.force_new, api=api, pepper=settings.pepper,
            pepper_id=settings.pepper_id, ttl_seconds=settings.token_ttl_seconds,
            write_needed=call.write_needed)
    except tokens.Unauthorized:
        throttle.failed(login, ip)
        raise
    throttle.succeeded(login, ip)
    if call.log is not None:
        call.log.identify(issued.company_id, issued.contact_id, issued.contact_name)
        call.log.touch_key_id = issued.touch_key_id  # written with the call's log row
    return TokenOut(token=issued.token, expire_date=str(unix(issued.expires_at)),
                    expires_in=issued.expires_in)


def register_token_function(api: Api) -> None:
    function(
        api=api, name="getToken", path="/tokens", authenticated=False, tag="Authentication",
        summary="Exchange the API user's login and API key for a one-hour token.",
        description=(
            "A token is valid for exactly one hour from its issue (expireDate = issue + 3600 s). "
            "Asking again within that hour gives back the same token with its original expiry, "
            "and expiresIn then says how many whole seconds it has left (3600 for a new token); "
            "forceNew=1 issues a new one (the older one stays valid until it expires). Failed "
            "attempts are throttled per login and per client address."),
        input=TokenIn,
        response=TokenOut,
        # Handing back the current token changes nothing: one prepared statement, on the loop.
        read_first=True, light=True,
        errors=["invalid_credentials", "too_many_failures", "api_not_activated"],
    )(_get_token)


class AuditLogIn(Input):
    source: Annotated[str | None, Param(
        "source", "query", "events (state changes, the default) or requests (API calls).",
        pattern=r"^(events|requests)$", expected="events or requests", example="events")] = None
    since: Annotated[int | None, Param(
        "since", "query", "Only entries at or after this moment, unix seconds.",
        pattern=UNIX_PATTERN, type="integer", expected="unix seconds",
        example=1767225600)] = None
    until: Annotated[int | None, Param(
        "until", "query", "Only entries before this moment, unix seconds.",
        pattern=UNIX_PATTERN, type="integer", expected="unix seconds")] = None
    cursor: Annotated[str | None, Param(
        "cursor", "query", "The nextCursor of the previous page.",
        pattern=CURSOR_PATTERN, expected="a nextCursor value")] = None
    limit: Annotated[int | None, Param(
        "limit", "query", "Entries per page, 1–200 (default 50).",
        pattern=LIMIT_PATTERN, type="integer", expected="a whole number from 1 to 200",
        example=50)] = None


def _get_audit_log(call: Call, args: AuditLogIn) -> AuditLogOut:
    source = args.source or "events"
    since, until = args.since, args.until
    page = audit_queries.api_audit_page(
        call.session, call.principal.company_id, requests=source == "requests",
        since=datetime.fromtimestamp(since, UTC) if since is not None else None,
        until=datetime.fromtimestamp(until, UTC) if until is not None else None,
        after_id=cursors.after_id(args.cursor) if args.cursor else None,
        limit=args.limit or 50)
    rows = page.rows
    next_cursor = cursors.by_id(rows[-1].id) if page.more else None
    if source == "events":
        return AuditLogOut(source=source, next_cursor=next_cursor,
                           events=[AuditEventOut.model_validate(_row_dict(r)) for r in rows])
    return AuditLogOut(source=source, next_cursor=next_cursor,
                       requests=[ApiRequestOut.model_validate(_row_dict(r)) for r in rows])


def _row_dict(row: Any) -> dict[str, Any]:
    out = {c.key: getattr(row, c.key) for c in row.__table__.columns}
    out["occurred_at"] = unix(row.occurred_at)
    return out


def register_audit_function(api: Api) -> None:
    function(
        api=api, name="getAuditLog", path="/audit-log", tag="Audit",
        summary="Read your company's audit trail: domain events or the log of API calls.",
        description=(
            "Two records, joined by requestId: source=events lists state changes (keys generated, "
            "tokens issued, responses, submissions…); source=requests lists every API call made "
            "with your company's credentials, refused ones included. Oldest first; page with "
            "cursor."),
        input=AuditLogIn,
        response=AuditLogOut, read_only=True,
    )(_get_audit_log)
