"""importBillGaeb, getBillGaeb, getBidGaeb, getAwardGaeb, importBillXlsx and getBillXlsx: the
contractor's bill of quantities as GAEB DA XML (X83 in and out, each bidder's proposal as X84,
the award as X86) and as a spreadsheet."""

from __future__ import annotations

from typing import Annotated

from starlette.datastructures import UploadFile
from starlette.responses import Response

from bidbridge.api.call import Call
from bidbridge.api.contractor.outputs import id_param
from bidbridge.api.declare import Input, Param, function
from bidbridge.api.gaeb_files import (
    FILE_ERRORS,
    XLSX,
    XML,
    file_response,
    read_upload,
    spreadsheet_refused,
)
from bidbridge.errors import NotFound
from bidbridge.services import bill_xlsx, gaeb_exchange, money, scoping
from bidbridge.services.budget_import import ImportRefused
from bidbridge.services.rfps import current_proposal
from bidbridge.wire.bills import BillImportOut

WORKPACKAGE_ID = id_param("workpackageId", "workpackage", "getProject")
RFP_ID = id_param("rfpId", "RFP", "getRfps")
GAEB_FILE = Param("file", "query", "The GAEB DA XML 3.x file: an X83 (or X81).", type="file",
                  required=True, expected="one .X83 or .X81 file in a multipart/form-data body")


class ImportBillIn(Input):
    workpackage_id: Annotated[int, WORKPACKAGE_ID]
    file: Annotated[UploadFile, GAEB_FILE]


@function(api="contractor", name="importBillGaeb", path="/workpackages/{workpackageId}/bill/gaeb",
          tag="Bill of quantities", idempotent_writes=True,
          summary="Import an X83 (or X81) as the workpackage's bill of quantities.",
          description="multipart/form-data. Replaces the bill: the previous budget lines become "
                      "tombstones (submitted proposals keep their snapshot). The answer says what "
                      "was read: lots, titles, items per type and, when the file was priced, the "
                      "bill total. A file that is inconsistent is refused whole (422 "
                      "bill_inconsistent, with 'problems' per OZ); DTDs and entities are refused "
                      "(xml_forbidden).",
          input=ImportBillIn, response=BillImportOut,
          errors=[*FILE_ERRORS, "bill_inconsistent"])
def import_bill_gaeb(call: Call, args: ImportBillIn) -> BillImportOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    limit = call.runtime.settings.max_upload_bytes
    summary = gaeb_exchange.import_bill(call.session, call.ctx, wp,
                                        read_upload(args.file, "file", limit),
                                        parameter="file", max_bytes=limit)
    return BillImportOut(workpackage_id=wp.id, source=summary.source, lots=summary.lots,
                         titles=summary.titles, items=summary.items,
                         items_by_type=summary.items_by_type,
                         bill_total=money.money_text(summary.priced_total),
                         replaced_lines=summary.replaced_lines)


class WorkpackageIn(Input):
    workpackage_id: Annotated[int, WORKPACKAGE_ID]


@function(api="contractor", name="getBillGaeb", path="/workpackages/{workpackageId}/bill.x83",
          tag="Bill of quantities", produces=XML,
          summary="The workpackage's bill of quantities as an X83 (GAEB DA XML 3.3, unpriced).",
          input=WorkpackageIn, errors=["not_found"])
def get_bill_gaeb(call: Call, args: WorkpackageIn) -> Response:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    return file_response(gaeb_exchange.export_x83(call.session, wp), f"workpackage-{wp.id}.X83")


class RfpIn(Input):
    rfp_id: Annotated[int, RFP_ID]


@function(api="contractor", name="getBidGaeb", path="/rfps/{rfpId}/proposal.x84",
          tag="Bill of quantities", produces=XML,
          summary="A bidder's current proposal as an X84: the bill with its submitted prices.",
          description="Its item totals of the items that count add up to the proposal's "
                      "totalAmount, to the cent; the bidder's own rows (no OZ in the bill) stand "
                      "under a title of their own. 404 when the bidder has no submitted "
                      "proposal.",
          input=RfpIn, errors=["not_found"])
def get_bid_gaeb(call: Call, args: RfpIn) -> Response:
    rfp = scoping.load(call.session, scoping.RFP_OF_CONTRACTOR, args.rfp_id,
                       for_company=call.principal.company_id)
    proposal = current_proposal(call.session, rfp.id)
    if proposal is None:
        raise NotFound(f"RFP {rfp.id} has no submitted proposal.", code="not_found",
                       data={"resource": "proposal", "rfpId": rfp.id})
    data = gaeb_exchange.proposal_document(call.session, proposal, "X84")
    return file_response(data, f"rfp-{rfp.id}-v{proposal.version}.X84")


@function(api="contractor", name="getAwardGaeb", path="/workpackages/{workpackageId}/award.x86",
          tag="Bill of quantities", produces=XML,
          summary="The award as an X86: the awarded bidder's proposal in the bill.",
          input=WorkpackageIn, errors=["not_found", "not_awarded"])
def get_award_gaeb(call: Call, args: WorkpackageIn) -> Response:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    return file_response(gaeb_exchange.award_document(call.session, wp),
                         f"workpackage-{wp.id}-award.X86")


class ImportXlsxIn(Input):
    workpackage_id: Annotated[int, WORKPACKAGE_ID]
    file: Annotated[UploadFile, Param(
        "file", "query", "The bill as a spreadsheet: the columns of getBillXlsx.", type="file",
        required=True, expected="one .xlsx file in a multipart/form-data body")]


@function(api="contractor", name="importBillXlsx", path="/workpackages/{workpackageId}/bill/xlsx",
          tag="Bill of quantities", idempotent_writes=True,
          summary="Import a spreadsheet (the columns of getBillXlsx) as the workpackage's bill.",
          description="multipart/form-data. One row per lot, title (its OZ, e.g. 01) and item; "
                      "the types are those of the X83. Replaces the bill like importBillGaeb. A "
                      "wrong cell refuses the whole file (422 spreadsheet_refused, 'problems' "
                      "with row and column).",
          input=ImportXlsxIn, response=BillImportOut,
          errors=["not_found", "file_too_large", "spreadsheet_refused", "bill_inconsistent"])
def import_bill_xlsx(call: Call, args: ImportXlsxIn) -> BillImportOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    data = read_upload(args.file, "file", call.runtime.settings.max_upload_bytes)
    try:
        summary = bill_xlsx.import_bill(call.session, call.ctx, wp, data, parameter="file")
    except ImportRefused as exc:
        raise spreadsheet_refused(exc, "file") from None
    return BillImportOut(workpackage_id=wp.id, source=summary.source, lots=summary.lots,
                         titles=summary.titles, items=summary.items,
                         items_by_type=summary.items_by_type,
                         bill_total=money.money_text(summary.priced_total),
                         replaced_lines=summary.replaced_lines)


@function(api="contractor", name="getBillXlsx", path="/workpackages/{workpackageId}/bill.xlsx",
          tag="Bill of quantities", produces=XLSX,
          summary="The workpackage's bill as a spreadsheet: OZ, type, texts, quantity, unit.",
          input=WorkpackageIn, errors=["not_found"])
def get_bill_xlsx(call: Call, args: WorkpackageIn) -> Response:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    data = bill_xlsx.export_xlsx(gaeb_exchange.bill_rows(call.session, wp))
    return file_response(data, f"workpackage-{wp.id}.xlsx", XLSX)
