"""The bill of quantities on the workpackage page: import an X83/X81 or a spreadsheet (replacing
the lines), export the X83 and the spreadsheet, each bidder's proposal as X84 and the award as
X86. The same services as the contractor API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.errors import AppError
from bidbridge.services import bill_xlsx, gaeb_exchange
from bidbridge.services.rfps import current_proposal
from bidbridge.web.bill_files import XLSX, bill_download, problem_lines
from bidbridge.web.contractor.common import Contractor, done, rfp_of, workpackage_of
from bidbridge.web.contractor.workpackages import workpackage_page
from bidbridge.web.csrf import checked_upload_form

router = APIRouter()


@router.get("/workpackages/{wp_id:id}/bill.x83")
def export_x83(acting: Contractor, wp_id: int) -> Response:
    wp = workpackage_of(acting, wp_id)
    return bill_download(gaeb_exchange.export_x83(acting.db, wp), f"workpackage-{wp.id}.X83",
                         "application/xml")


@router.get("/workpackages/{wp_id:id}/bill.xlsx")
def export_xlsx(acting: Contractor, wp_id: int) -> Response:
    wp = workpackage_of(acting, wp_id)
    data = bill_xlsx.export_xlsx(gaeb_exchange.bill_rows(acting.db, wp))
    return bill_download(data, f"workpackage-{wp.id}.xlsx", XLSX)


@router.get("/workpackages/{wp_id:id}/rfps/{rfp_id:id}/proposal.x84")
def export_bid(acting: Contractor, wp_id: int, rfp_id: int) -> Response:
    rfp = rfp_of(acting, workpackage_of(acting, wp_id), rfp_id)
    proposal = current_proposal(acting.db, rfp.id)
    if proposal is None:
        raise HTTPException(404, "Not Found")
    data = gaeb_exchange.proposal_document(acting.db, proposal, "X84")
    return bill_download(data, f"rfp-{rfp.id}-v{proposal.version}.X84", "application/xml")


@router.get("/workpackages/{wp_id:id}/award.x86")
def export_award(acting: Contractor, wp_id: int) -> Response:
    wp = workpackage_of(acting, wp_id)
    return bill_download(gaeb_exchange.award_document(acting.db, wp),
                         f"workpackage-{wp.id}-award.X86", "application/xml")


@router.post("/workpackages/{wp_id:id}/bill")
def import_bill(request: Request, acting: Contractor, wp_id: int,
                form: FormData = Depends(checked_upload_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    file = form.get("bill")
    if not isinstance(file, UploadFile) or not file.filename:
        return workpackage_page(request, acting, wp, status=422,
                                bill_error="Choose an .X83, .X81 or .xlsx file first.")
    limit = acting.runtime.settings.max_upload_bytes
    data = file.file.read(limit + 1)
    try:
        if data.startswith(b"PK\x03\x04"):
            summary = acting.attempt(lambda: bill_xlsx.import_bill(
                acting.db, acting.ctx, wp, data, parameter="bill"))
        else:
            summary = acting.attempt(lambda: gaeb_exchange.import_bill(
                acting.db, acting.ctx, wp, data, parameter="bill", max_bytes=limit))
    except AppError as exc:
        return workpackage_page(request, acting, wp, status=exc.status if exc.status < 500
                                else 422, bill_error="Nothing was imported: "
                                + exc.detail.removeprefix("'bill': "),
                                bill_problems=problem_lines(exc))
    return done(f"/workpackages/{wp.id}?items={summary.items}#lines", "bill_imported")
