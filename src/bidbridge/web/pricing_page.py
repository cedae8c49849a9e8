"""The pricing grid (/bids/{id}/pricing): draft prices saved through the API's pricing service.

Without JavaScript the whole grid is one form ("Save draft"). With htmx each price, checkbox and
note saves its row as you type and the server answers with the row's total and the grid's totals,
computed with the same exact decimals as the API. A wrong value is shown at its cell with what
is expected; nothing typed elsewhere is lost, and a refused save changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.services import pricing
from bidbridge.services.pricing import BudgetSheet
from bidbridge.services.rfp_access import rfp_for_person
from bidbridge.services.scoping import effective_deadline
from bidbridge.web.bidder import Bidder, BidderDep
from bidbridge.web.csrf import checked_grid_form, text
from bidbridge.web.pricing_grid import ReadGrid, blank_row, read_grid, rows_of
from bidbridge.web.templating import render, secure_headers

router = APIRouter()


def _sheet(me: Bidder, rfp_id: int) -> BudgetSheet:
    rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
    return pricing.get_budget_sheet(me.acting.db, me.viewer.company_id, rfp.id)


def _page(request: Request, me: Bidder, sheet: BudgetSheet, grid: ReadGrid | None = None, *,
          status: int = 200, error: str | None = None) -> Response:
    rfp = sheet.rfp
    deadline = effective_deadline(rfp)
    now = me.acting.ctx.now()
    return render(request, "bids/pricing.html", status=status, section="bids", rfp=rfp,
                  sheet=sheet, rows=grid.rows if grid else rows_of(sheet),
                  new_row=grid.new_row if grid else blank_row(), deadline=deadline, now=now,
                  is_open=(deadline is None or now < deadline)
                  and rfp.forwarded_to_company_id is None,
                  error=error, message="Draft saved." if request.query_params.get("msg") == "saved"
                  else None)


@router.get("/bids/{rfp_id:id}/pricing")
def pricing_grid(request: Request, me: BidderDep, rfp_id: int) -> Response:
    return _page(request, me, _sheet(me, rfp_id))


def _save(me: Bidder, sheet: BudgetSheet, grid: ReadGrid) -> tuple[BudgetSheet, str | None]:
    """Save the grid's changes in one service call; (sheet after, page-level error)."""
    if not grid.changes:
        return sheet, None
    try:
        saved = me.acting.attempt(lambda: pricing.price_budget_lines(
            me.acting.db, me.acting.ctx, me.viewer.company_id, sheet.rfp.id, grid.changes))
    except AppError as exc:
        problems = exc.data.get("errors") if isinstance(exc.data.get("errors"), list) else None
        if problems and grid.place_service_errors(problems):
            return sheet, "Nothing was saved: check the marked cells."
        return sheet, exc.detail
    return saved, None


@router.post("/bids/{rfp_id:id}/pricing")
def save_grid(request: Request, me: BidderDep, rfp_id: int,
              form: FormData = Depends(checked_grid_form)) -> Response:
    sheet = _sheet(me, rfp_id)
    grid = read_grid(sheet, form)
    if grid.has_errors:
        return _page(request, me, sheet, grid, status=422,
                     error="Nothing was saved: check the marked cells.")
    _, error = _save(me, sheet, grid)
    if error is not None:
        return _page(request, me, sheet, grid, status=422, error=error)
    return secure_headers(RedirectResponse(f"/bids/{rfp_id}/pricing?msg=saved",
                                           status_code=303))


@router.post("/bids/{rfp_id:id}/pricing/cell")
def save_cell(request: Request, me: BidderDep, rfp_id: int,
              form: FormData = Depends(checked_grid_form)) -> Response:
    """htmx: save the row of the cell that changed; answer its total, its errors and the totals."""
    sheet = _sheet(me, rfp_id)
    key = text(form, "row")
    grid = read_grid(sheet, form, only=key)
    row = next((r for r in grid.rows if r.key == key), None)
    if row is None or row.is_extra:
        # Extra rows and the new row are saved with the whole grid ("Save draft").
        return render(request, "bids/_cell.html", status=422, row=None, sheet=sheet,
                      status_text="Use Save draft for your own lines.", now=me.acting.ctx.now())
    error = None
    if not grid.has_errors:
        saved, error = _save(me, sheet, grid)
        if error is None and grid.changes:
            sheet = saved
            row = next(r for r in rows_of(sheet) if r.key == key)
    status = 422 if row.errors or error else 200
    status_text = (error or "Not saved: see the marked cell.") if status == 422 else (
        f"Draft saved at {me.acting.ctx.now():%H:%M:%S} UTC." if grid.changes else "No change.")
    return render(request, "bids/_cell.html", status=status, row=row, sheet=sheet,
                  status_text=status_text, now=me.acting.ctx.now())
