"""The bid comparison (a leveling grid), its xlsx export, and the award — exactly as the
contractor API's setRfpStatus with status=awarded (and awardOthers) does it."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.models import RfpStatus
from bidbridge.reference import RFP_STATUS_LABELS
from bidbridge.services import comparison, comparison_grid, rfp_status
from bidbridge.web.contractor.common import Contractor, done, page, rfp_of, workpackage_of
from bidbridge.web.csrf import checked_form, text
from bidbridge.web.templating import secure_headers

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MESSAGES = {"awarded": "The workpackage is awarded.",
            "awarded_all": "The workpackage is awarded; the other bidders are set to not "
                           "awarded and got the thank-you message."}


@router.get("/workpackages/{wp_id:int}/comparison")
def comparison_page(request: Request, acting: Contractor, wp_id: int,
                    msg: str | None = None) -> Response:
    wp = workpackage_of(acting, wp_id)
    result = comparison.compare(acting.db, wp)
    return page(request, "contractor/comparison.html", wp=wp, project=wp.project,
                grid=comparison_grid.grid(result), result=result, statuses=RFP_STATUS_LABELS,
                money=comparison_grid.money_text, unit=comparison_grid.unit_text,
                message=MESSAGES.get(msg or ""))


@router.get("/workpackages/{wp_id:int}/comparison.xlsx")
def comparison_export(acting: Contractor, wp_id: int) -> Response:
    wp = workpackage_of(acting, wp_id)
    title = f"{wp.project.name} — {wp.name}: bid comparison"
    data = comparison_grid.workbook(comparison.compare(acting.db, wp), title)
    name = f"comparison-workpackage-{wp.id}.xlsx"
    return secure_headers(Response(data, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{name}"'}))


def _award_page(request: Request, acting: Contractor, wp_id: int, *, status: int = 200,
                error: str | None = None) -> Response:
    wp = workpackage_of(acting, wp_id)
    result = comparison.compare(acting.db, wp)
    return page(request, "contractor/award.html", status=status, wp=wp, project=wp.project,
                columns=result.columns, lowest=result.lowest_total_rfp_ids,
                statuses=RFP_STATUS_LABELS, error=error,
                thank_you=rfp_status.THANK_YOU.format(workpackage=wp.name,
                                                      project=wp.project.name))


@router.get("/workpackages/{wp_id:int}/award")
def award_form(request: Request, acting: Contractor, wp_id: int) -> Response:
    return _award_page(request, acting, wp_id)


@router.post("/workpackages/{wp_id:int}/award")
def award(request: Request, acting: Contractor, wp_id: int,
          form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    chosen = text(form, "rfp_id")
    if not chosen.isdigit() or len(chosen) > 10:
        return _award_page(request, acting, wp_id, status=422,
                           error="Choose the bidder who gets the work (field rfp_id).")
    rfp = rfp_of(acting, wp, int(chosen))
    others = text(form, "award_others") == "1"
    rfp_status.set_status(acting.db, acting.ctx, rfp, status=RfpStatus.AWARDED,
                          shared=True if text(form, "shared") == "1" else None,
                          award_others=others)
    return done(f"/workpackages/{wp.id}/comparison", "awarded_all" if others else "awarded")
