"""The bid board (/bids): a subcontractor's landing page, every RFP its company received.

Filters, search and sort are a plain GET form; with JavaScript, htmx swaps in the new table as
you type or choose, and keeps the address bar in step (so a filtered board can be bookmarked).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.errors import AppError
from bidbridge.models import RfpStatus
from bidbridge.services.bid_board import SORTS, BoardPage, BoardQuery, get_bid_board
from bidbridge.web.bidder import BidderDep, choice, optional_id
from bidbridge.web.templating import render

router = APIRouter()

RESPONSES = ["calculate", "pending", "decline", "none"]
WITHIN = ["7", "14", "30", "90"]
STATUS_LABELS = {
    "unknown": "Unknown", "pending": "Pending", "calculating": "Calculating",
    "not_calculating": "Not calculating", "proposal_to_follow": "Proposal to follow",
    "proposal": "Proposal", "within_budget": "Within budget", "awarded": "Awarded",
    "not_awarded": "Not awarded",
}
RESPONSE_LABELS = {"calculate": "I'll calculate", "pending": "Pending",
                   "decline": "I won't calculate", "none": "Not answered"}
PAGE_SIZE = 50


def _query(params: dict[str, str]) -> BoardQuery:
    status = choice(params.get("status"), "status", [s.value for s in RfpStatus])
    within = choice(params.get("within"), "within", WITHIN)
    text = (params.get("q") or "").strip()
    return BoardQuery(
        status=RfpStatus(status) if status else None,
        response=choice(params.get("response"), "response", RESPONSES),
        project_id=optional_id(params.get("project"), "project"),
        within_days=int(within) if within else None, text=text or None,
        sort=choice(params.get("sort"), "sort", list(SORTS)) or "deadline",
        cursor=params.get("cursor") or None, limit=PAGE_SIZE)


@router.get("/bids")
def bid_board(request: Request, me: BidderDep) -> Response:
    params = dict(request.query_params)
    now = me.acting.ctx.now()
    error = None
    status = 200
    try:
        query = _query(params)
        page = get_bid_board(me.acting.db, me.viewer, query, now)
    except AppError as exc:
        # A crafted or stale filter: say which one and show the whole board instead.
        error, status = exc.detail, exc.status if exc.status != 404 else 422
        query = BoardQuery(limit=PAGE_SIZE)
        page = get_bid_board(me.acting.db, me.viewer, query, now)
    return render(request, "bids/board.html", status=status, section="bids", page=page,
                  query=query, params=params, error=error, now=now, sorts=SORTS,
                  statuses=STATUS_LABELS, responses=RESPONSE_LABELS, within=WITHIN,
                  next_link=_next_link(params, page))


def _next_link(params: dict[str, str], page: BoardPage) -> str | None:
    if page.next_cursor is None:
        return None
    from urllib.parse import urlencode

    kept = {k: v for k, v in params.items() if k != "cursor" and v}
    return "/bids?" + urlencode({**kept, "cursor": page.next_cursor})
