"""The rate-limit budgets a call spends: its token's and company's, or — without a valid token —
its client address's; the RateLimit headers of the answer, and 429 once a budget is spent."""

from __future__ import annotations

from bidbridge.errors import TooManyRequests, Unauthorized
from bidbridge.services import rate_limit
from bidbridge.services.context import RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.services.tokens import Principal


def spend(runtime: Runtime, ctx: RequestContext, principal: Principal) -> dict[str, str]:
    """Count the call against its token's and company's budgets; 429 once one is spent."""
    limiter = runtime.rate_limiter
    if limiter is None:
        return {}
    usages = limiter.hit(ctx.now(), {"token": str(principal.token_id),
                                     "company": str(principal.company_id)})
    headers = rate_limit.headers(usages)
    spent = [u for u in usages if u.exceeded]
    if spent:
        wait = max(u.reset for u in spent)
        names = " and ".join(f"the {u.policy.name} budget of {u.policy.quota} requests per "
                             f"{u.policy.window} s" for u in spent)
        error = TooManyRequests(f"Too many requests: {names} is used up. Retry after {wait} "
                                "seconds (Retry-After); the RateLimit header shows what is left.",
                                retry_after=wait, code="rate_limited")
        error.headers.update(headers)
        error.data["policies"] = [u.policy.name for u in spent]
        raise error
    return headers


def spend_address(runtime: Runtime, ctx: RequestContext,
                          refusal: Unauthorized) -> dict[str, str]:
    """A call without a valid token spends its client address's budget: the 401 carries the
    RateLimit headers, and a flood of bad tokens from one address ends in 429."""
    limiter = runtime.rate_limiter
    if limiter is None:
        return {}
    usages = limiter.hit(ctx.now(), {"address": ctx.client_ip or "unknown"})
    headers = rate_limit.headers(usages)
    spent = [u for u in usages if u.exceeded]
    if spent:
        wait = max(u.reset for u in spent)
        error = TooManyRequests(
            f"Too many calls without a valid token from this address: the address budget of "
            f"{spent[0].policy.quota} requests per {spent[0].policy.window} s is used up. Retry "
            f"after {wait} seconds (Retry-After) with a valid X-Auth-Token from getToken.",
            retry_after=wait, code="rate_limited")
        error.headers.update(headers)
        error.data["policies"] = ["address"]
        error.subject = refusal.subject
        raise error from refusal
    return headers
