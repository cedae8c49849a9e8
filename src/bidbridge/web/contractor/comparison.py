"""The bid comparison (a leveling grid), its xlsx export, and the award — exactly as the
contractor API's setRfpStatus with status=awarded (and awardOthers) does it."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.models import RfpStatus, Workpackage
from bidbridge.reference import RFP_STATUS_LABELS
from bidbridge.services import comparison, comparison_grid, rfp_status, sealing
from bidbridge.web.contractor.common import Contractor, done, page, rfp_of, workpackage_of
from bidbridge.web.csrf import checked_form, text
from bidbridge.web.fields import record_id
from bidbridge.web.templating import secure_headers

router = APIRouter()
_NOT_PRICED = '<td colspan="2" class="cell-none">not priced</td>'
_NO_PROPOSAL = '<td colspan="2" class="cell-empty"><span class="sr-only">no proposal</span></td>'


def cells_html(row: comparison_grid.GridRow) -> Markup:
    """The bidders' cells of one grid row, built here rather than in the template: 10 bidders ×
    500 lines are 5,000 cells, and their text is amounts formatted from Decimals (digits, a
    sign and a dot: nothing to escape) or fixed words."""
    parts = []
    for cell in row.cells:
        if cell.state == comparison_grid.PRICED:
            if cell.lowest:
                parts.append(f'<td class="num cell-lowest">{cell.unit_shown}</td><td class="num '
                             f'cell-lowest">{cell.total_shown}<span class="sr-only"> (lowest)'
                             '</span></td>')
            else:
                parts.append(f'<td class="num">{cell.unit_shown}</td>'
                             f'<td class="num">{cell.total_shown}</td>')
        elif cell.state == comparison_grid.NOT_PRICED:
            parts.append(_NOT_PRICED)
        elif cell.state == comparison_grid.EXCLUDED:
            parts.append(f'<td class="num cell-excluded">{cell.unit_shown}</td><td class="num '
                         f'cell-excluded">{cell.total_shown} <span class="small">excluded</span>'
                         '</td>')
        else:
            parts.append(_NO_PROPOSAL)
    return Markup("".join(parts))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MESSAGES = {"awarded": "The workpackage is awarded.",
            "awarded_all": "The workpackage is awarded; the other bidders are set to not "
                           "awarded and got the thank-you message."}


def _open(acting: Contractor, wp: Workpackage) -> None:
    """A sealed workpackage's bids are read after its deadline only; the first read opens them."""
    opening = sealing.ensure_readable(acting.db, acting.ctx, wp)
    if opening is not None:
        sealing.record_opening(acting.db, acting.ctx, opening)


@router.get("/workpackages/{wp_id:id}/comparison")
def comparison_page(request: Request, acting: Contractor, wp_id: int,
                    msg: str | None = None) -> Response:
    wp = workpackage_of(acting, wp_id)
    _open(acting, wp)
    result = comparison.compare(acting.db, wp)
    return page(request, "contractor/comparison.html", wp=wp, project=wp.project,
                grid=comparison_grid.grid(result), result=result, statuses=RFP_STATUS_LABELS,
                money=comparison_grid.money_text, unit=comparison_grid.unit_text,
                cells=cells_html, message=MESSAGES.get(msg or ""))


@router.get("/workpackages/{wp_id:id}/comparison.xlsx")
def comparison_export(acting: Contractor, wp_id: int) -> Response:
    wp = workpackage_of(acting, wp_id)
    _open(acting, wp)
    from bidbridge.services.comparison_xlsx import workbook  # openpyxl, loaded on first use

    title = f"{wp.project.name} — {wp.name}: bid comparison"
    data = workbook(comparison.compare(acting.db, wp), title)
    name = f"comparison-workpackage-{wp.id}.xlsx"
    return secure_headers(Response(data, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{name}"'}))


def _award_page(request: Request, acting: Contractor, wp_id: int, *, status: int = 200,
                error: str | None = None) -> Response:
    wp = workpackage_of(acting, wp_id)
    _open(acting, wp)
    result = comparison.compare(acting.db, wp)
    return page(request, "contractor/award.html", status=status, wp=wp, project=wp.project,
                columns=result.columns, lowest=result.lowest_total_rfp_ids,
                statuses=RFP_STATUS_LABELS, error=error,
                thank_you=rfp_status.THANK_YOU.format(workpackage=wp.name,
                                                      project=wp.project.name))


@router.get("/workpackages/{wp_id:id}/award")
def award_form(request: Request, acting: Contractor, wp_id: int) -> Response:
    return _award_page(request, acting, wp_id)


@router.post("/workpackages/{wp_id:id}/award")
def award(request: Request, acting: Contractor, wp_id: int,
          form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    chosen = record_id(text(form, "rfp_id"))
    if chosen is None:
        return _award_page(request, acting, wp_id, status=422,
                           error="Choose the bidder who gets the work (field rfp_id).")
    rfp = rfp_of(acting, wp, chosen)
    others = text(form, "award_others") == "1"
    rfp_status.set_status(acting.db, acting.ctx, rfp, status=RfpStatus.AWARDED,
                          shared=True if text(form, "shared") == "1" else None,
                          award_others=others)
    return done(f"/workpackages/{wp.id}/comparison", "awarded_all" if others else "awarded")
