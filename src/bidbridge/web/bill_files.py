"""The bill of an RFP in the browser: download it as X83 or as a spreadsheet with your draft
prices, and price it from a filled-in X84 or spreadsheet (all lines or none)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.services import bill_xlsx, gaeb_exchange
from bidbridge.services.budget_import import ImportRefused
from bidbridge.services.rfp_access import rfp_for_person
from bidbridge.web.bidder import BidderDep
from bidbridge.web.csrf import checked_upload_form
from bidbridge.web.rfp_files import disposition
from bidbridge.web.rfp_page import rfp_page
from bidbridge.web.templating import secure_headers

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bill_download(data: bytes, filename: str, media_type: str) -> Response:
    return secure_headers(Response(data, media_type=media_type,
                                   headers={"Content-Disposition": disposition(filename)}))


def problem_lines(exc: AppError) -> list[str]:
    """What to show under a refused file: each OZ's or each cell's problem."""
    if isinstance(exc, ImportRefused):
        return [str(e) for e in exc.errors]
    return [f"{p.get('oz') or 'The file'}: {p['message']}" for p in exc.data.get("problems", [])]


@router.get("/bids/{rfp_id:id}/bill.x83")
def download_x83(me: BidderDep, rfp_id: int) -> Response:
    rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
    return bill_download(gaeb_exchange.export_x83(me.acting.db, rfp.workpackage),
                         f"rfp-{rfp.id}.X83", "application/xml")


@router.get("/bids/{rfp_id:id}/bill.xlsx")
def download_xlsx(me: BidderDep, rfp_id: int) -> Response:
    rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
    _, data = bill_xlsx.rfp_xlsx(me.acting.db, me.viewer.company_id, rfp.id)
    return bill_download(data, f"rfp-{rfp.id}.xlsx", XLSX)


@router.post("/bids/{rfp_id:id}/bill")
def upload_priced_bill(request: Request, me: BidderDep, rfp_id: int,
                       form: FormData = Depends(checked_upload_form)) -> Response:
    rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
    file = form.get("bill")
    if not isinstance(file, UploadFile) or not file.filename:
        return rfp_page(request, me, rfp.id, status=422, error="Choose your priced .X84 or "
                        ".xlsx file first.")
    limit = me.acting.runtime.settings.max_upload_bytes
    data = file.file.read(limit + 1)
    company_id = me.viewer.company_id
    try:
        if data.startswith(b"PK\x03\x04"):
            result = me.acting.attempt(lambda: bill_xlsx.upload_prices(
                me.acting.db, me.acting.ctx, company_id, rfp.id, data, parameter="bill"))
        else:
            result = me.acting.attempt(lambda: gaeb_exchange.upload_x84(
                me.acting.db, me.acting.ctx, company_id, rfp.id, data, parameter="bill",
                max_bytes=limit))
    except AppError as exc:  # ImportRefused included: a spreadsheet's wrong cells
        summary = ("the spreadsheet has wrong cells." if isinstance(exc, ImportRefused)
                   else exc.detail.removeprefix("'bill': "))
        return rfp_page(request, me, rfp.id, status=exc.status if exc.status < 500 else 422,
                        error=f"Nothing was priced: {summary}", bill_problems=problem_lines(exc))
    return secure_headers(RedirectResponse(
        f"/bids/{rfp.id}?msg=bill_priced&priced={result.priced}#bill", status_code=303))
