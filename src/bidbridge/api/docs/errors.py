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
    also: tuple[int, ...] = ()  # further statuses the same code is answered with

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.status, *self.also)

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
    ErrorCode("cursor_expired", 410, "Gone",
              "The cursor is older than the 30 days events are kept. Run a full sync (getRfps), then "
              "follow getEvents again from a new cursor."),
    ErrorCode("too_many_endpoints", 409, "Conflict",
              "Your company has the most webhook endpoints allowed (10). Delete one you no longer use."),
    ErrorCode("replay_too_large", 422, "Unprocessable Content",
              "The time range holds more than 1,000 events. Replay a shorter range, or page with getEvents."),
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
    ErrorCode("deadline_passed", 409, "Conflict",
              "The proposal deadline has passed; the detail says when it was. Nothing can be "
              "submitted or answered any more."),
    ErrorCode("rfp_forwarded", 409, "Conflict",
              "You forwarded this RFP to a partner; it is no longer yours to answer."),
    ErrorCode("already_forwarded", 409, "Conflict",
              "An RFP can be forwarded once, and this one was."),
    ErrorCode("rfp_decided", 409, "Conflict",
              "The contractor already decided on this RFP (awarded or not); use its messages."),
    ErrorCode("proposal_submitted", 409, "Conflict",
              "A proposal was submitted already; withdraw it first to change your response."),
    ErrorCode("proposal_superseded", 409, "Conflict",
              "A newer version of this proposal exists; act on the current one."),
    ErrorCode("already_withdrawn", 409, "Conflict", "This proposal was withdrawn already."),
    ErrorCode("already_invited", 409, "Conflict",
              "That company is already invited to this workpackage."),
    ErrorCode("contact_email_unavailable", 409, "Conflict",
              "That e-mail address cannot receive an invitation; invite the company by companyId, "
              "or use another address of the person."),
    ErrorCode("addendum_unacknowledged", 409, "Conflict",
              "The tender has addenda you have not acknowledged ('missing' lists their numbers); "
              "read them with getAddenda and acknowledge each with acknowledgeAddendum."),
    ErrorCode("deadline_extension_required", 422, "Invalid parameters",
              "An addendum this close to the deadline must move the deadline; send 'deadline' at "
              "or after earliestDeadline (unix seconds)."),
    ErrorCode("questions_closed", 409, "Conflict",
              "The question deadline has passed; write to the contractor through the RFP's "
              "messages instead."),
    ErrorCode("question_closed", 409, "Conflict",
              "The question was answered or declined already; correct an answer with an "
              "addendum."),
    ErrorCode("invalid_duplicate", 409, "Conflict",
              "A question cannot duplicate itself or a question that was itself declined; name "
              "the original question."),
    ErrorCode("sealed_until_deadline", 409, "Conflict",
              "The workpackage's bids are sealed until its deadline; you can see who submitted, "
              "and read the bids after the deadline."),
    ErrorCode("sealing_fixed", 409, "Conflict",
              "Sealed opening is chosen with the first invitation and cannot change once "
              "bidders are invited."),
    ErrorCode("workpackage_decided", 409, "Conflict",
              "The workpackage was awarded or cancelled already; a decided tender takes no "
              "addenda and cannot be cancelled."),
    ErrorCode("nothing_priced", 422, "Invalid parameters",
              "No budget line is priced and included; price lines (or give totalAmount) first."),
    ErrorCode("idempotency_mismatch", 422, "Invalid parameters",
              "This Idempotency-Key was used for a different request; use a new key for a new "
              "submission."),
    ErrorCode("idempotency_in_progress", 409, "Conflict",
              "A request with this Idempotency-Key is still running; retry after Retry-After "
              "seconds to get its answer."),
    ErrorCode("file_too_large", 413, "Content too large",
              "A file exceeds the upload limit (50 MB by default); the detail names it."),
    ErrorCode("xml_malformed", 422, "Unprocessable file",
              "The uploaded file is not well-formed XML; the detail gives the line and column. "
              "Export it again; nothing was changed."),
    ErrorCode("xml_forbidden", 422, "Unprocessable file",
              "The XML declares a DTD, entities or external references (XXE, billion laughs); "
              "GAEB files never need them. Nothing was changed."),
    ErrorCode("gaeb_invalid", 422, "Unprocessable file",
              "The file is not a GAEB DA XML 3.x bill we can read (or is empty, too deep, or has "
              "more than 20,000 items). Nothing was changed."),
    ErrorCode("gaeb_wrong_phase", 422, "Unprocessable file",
              "The file's exchange phase (its DP element) is not the one this function takes, "
              "e.g. an X84 where an X83 is expected. Nothing was changed."),
    ErrorCode("gaeb_mismatch", 422, "Unprocessable file",
              "The bid does not match the RFP's bill: 'problems' lists every OZ that differs "
              "(missing, unknown, quantity or unit changed, price beyond GAEB's limits). Nothing "
              "was priced."),
    ErrorCode("bill_inconsistent", 422, "Unprocessable file",
              "The bill is inconsistent: 'problems' lists each OZ and what is wrong (duplicate "
              "OZ, no quantity, beyond GAEB's limits, an item type without a price). Nothing was "
              "imported."),
    ErrorCode("spreadsheet_refused", 422, "Unprocessable file",
              "The spreadsheet has wrong cells: 'problems' lists each with its row, column, "
              "value and what was expected. Nothing was imported."),
    ErrorCode("not_awarded", 409, "Conflict",
              "The workpackage has no awarded bidder with a submitted proposal yet."),
    ErrorCode("range_not_satisfiable", 416, "Range not satisfiable",
              "The Range starts past the end of the document; download it whole."),
    ErrorCode("storage_unavailable", 503, "Service unavailable",
              "Document storage is briefly unavailable; nothing was saved. Retry after Retry-After "
              "seconds.", also=(507,)),
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
# What dispatch's Idempotency-Key handling (api/idempotency.py) adds to idempotent functions.
IDEMPOTENT = ("idempotency_mismatch", "idempotency_in_progress")


def documented_errors(fn: Function) -> tuple[str, ...]:
    """Every code ``fn`` may answer with: its declared ones plus what dispatch adds."""
    extra = (*WITH_BODY, *ANY_FUNCTION) if fn.method == "POST" else ANY_FUNCTION
    if fn.idempotent_writes:
        extra = (*extra, *IDEMPOTENT)
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
        for status in entry.statuses:
            grouped.setdefault(status, []).append(entry)
    return dict(sorted(grouped.items()))
