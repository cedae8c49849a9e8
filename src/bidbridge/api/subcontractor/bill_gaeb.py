"""getRfpGaeb, uploadBidGaeb, getProposalGaeb, getRfpXlsx and uploadBidXlsx: the RFP's bill for
the estimating software (X83), a priced bid back in one atomic step (X84), a submitted version
as X84, and the same bill as a spreadsheet for those without estimating software."""

from __future__ import annotations

from typing import Annotated

from starlette.datastructures import UploadFile
from starlette.responses import Response

from bidbridge.api.call import Call
from bidbridge.api.declare import Input, Param, function, id_parameter
from bidbridge.api.gaeb_files import (
    FILE_ERRORS,
    XLSX,
    XML,
    file_response,
    read_upload,
    spreadsheet_refused,
)
from bidbridge.api.subcontractor.common import RFP_ID
from bidbridge.services import bill_xlsx, gaeb_exchange, money, scoping
from bidbridge.services.budget_import import ImportRefused
from bidbridge.wire.bills import BidUploadOut


class RfpIn(Input):
    rfp_id: Annotated[int, RFP_ID]


@function(api="subcontractor", name="getRfpGaeb", path="/rfps/{rfpId}/bill.x83",
          tag="Budget lines", produces=XML,
          summary="The RFP's bill of quantities as an X83, for your estimating software.",
          input=RfpIn, errors=["not_found"])
def get_rfp_gaeb(call: Call, args: RfpIn) -> Response:
    rfp, data = gaeb_exchange.rfp_x83(call.session, call.principal.company_id, args.rfp_id)
    return file_response(data, f"rfp-{rfp.id}.X83")


class UploadBidIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    file: Annotated[UploadFile, Param(
        "file", "query", "The priced bid: an X84 of this RFP's bill.", type="file",
        required=True, expected="one .X84 file in a multipart/form-data body")]


@function(api="subcontractor", name="uploadBidGaeb", path="/rfps/{rfpId}/budget-lines/gaeb",
          tag="Budget lines", idempotent_writes=True,
          summary="Price the RFP's budget lines from an X84, all at once or not at all.",
          description="multipart/form-data. The file must hold the RFP's bill exactly: the same "
                      "OZs and quantities (and units, where the file gives them). A mismatch is "
                      "refused whole with every difference listed (422 gaeb_mismatch, "
                      "'problems' per OZ). Items without a unit price become unpriced, never 0. "
                      "A line total that is not quantity x unit price (half up to cents) is "
                      "refused, unless it is within the unit price's rounding: then the line is "
                      "priced by that total.",
          input=UploadBidIn, response=BidUploadOut,
          errors=[*FILE_ERRORS, "gaeb_mismatch", "deadline_passed", "rfp_forwarded"])
def upload_bid_gaeb(call: Call, args: UploadBidIn) -> BidUploadOut:
    limit = call.runtime.settings.max_upload_bytes
    data = read_upload(args.file, "file", limit)
    result = gaeb_exchange.upload_x84(call.session, call.ctx, call.principal.company_id,
                                      args.rfp_id, data, parameter="file", max_bytes=limit)
    return BidUploadOut(rfp_id=result.sheet.rfp.id, items=result.priced + result.unpriced,
                        priced=result.priced, unpriced=result.unpriced,
                        included_total=money.money_text(result.sheet.included_total) or "0.00")


class ProposalIn(Input):
    proposal_id: Annotated[int, id_parameter(
        "proposalId", "template", "The proposal's id, from getProposals.", required=True,
        expected="a proposal id from getProposals", example=1)]


@function(api="subcontractor", name="getProposalGaeb", path="/proposals/{proposalId}/bid.x84",
          tag="Proposals", produces=XML,
          summary="A submitted proposal version as an X84; its totals equal its totalAmount.",
          input=ProposalIn, errors=["not_found"])
def get_proposal_gaeb(call: Call, args: ProposalIn) -> Response:
    proposal = scoping.load(call.session, scoping.PROPOSAL_OF_SUBCONTRACTOR, args.proposal_id,
                            for_company=call.principal.company_id)
    data = gaeb_exchange.proposal_document(call.session, proposal, "X84")
    return file_response(data, f"proposal-{proposal.id}-v{proposal.version}.X84")


@function(api="subcontractor", name="getRfpXlsx", path="/rfps/{rfpId}/bill.xlsx",
          tag="Budget lines", produces=XLSX,
          summary="The RFP's bill as a spreadsheet with your draft prices, to fill in and "
                  "upload with uploadBidXlsx.",
          input=RfpIn, errors=["not_found"])
def get_rfp_xlsx(call: Call, args: RfpIn) -> Response:
    rfp, data = bill_xlsx.rfp_xlsx(call.session, call.principal.company_id, args.rfp_id)
    return file_response(data, f"rfp-{rfp.id}.xlsx", XLSX)


class UploadXlsxIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    file: Annotated[UploadFile, Param(
        "file", "query", "The spreadsheet of getRfpXlsx with your prices filled in.",
        type="file", required=True, expected="one .xlsx file in a multipart/form-data body")]


@function(api="subcontractor", name="uploadBidXlsx", path="/rfps/{rfpId}/budget-lines/xlsx",
          tag="Budget lines", idempotent_writes=True,
          summary="Price the RFP's budget lines from the filled-in spreadsheet, all or none.",
          description="multipart/form-data. Every item row of getRfpXlsx, with a unit price "
                      "(or a total) per line; an empty price leaves the line unpriced. OZs, "
                      "quantities and units must stay as exported. A wrong cell refuses the "
                      "whole file (422 spreadsheet_refused, 'problems' with row and column).",
          input=UploadXlsxIn, response=BidUploadOut,
          errors=["not_found", "file_too_large", "spreadsheet_refused", "deadline_passed",
                  "rfp_forwarded"])
def upload_bid_xlsx(call: Call, args: UploadXlsxIn) -> BidUploadOut:
    data = read_upload(args.file, "file", call.runtime.settings.max_upload_bytes)
    try:
        result = bill_xlsx.upload_prices(call.session, call.ctx, call.principal.company_id,
                                         args.rfp_id, data, parameter="file")
    except ImportRefused as exc:
        raise spreadsheet_refused(exc, "file") from None
    return BidUploadOut(rfp_id=result.sheet.rfp.id, items=result.priced + result.unpriced,
                        priced=result.priced, unpriced=result.unpriced,
                        included_total=money.money_text(result.sheet.included_total) or "0.00")
