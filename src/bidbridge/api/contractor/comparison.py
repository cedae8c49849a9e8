"""getProposals (contractor API): the price comparison of one workpackage."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from bidbridge.api.call import Call
from bidbridge.api.contractor.workpackages import WORKPACKAGE_ID
from bidbridge.api.declare import Api, ApiModel, function
from bidbridge.clock import unix
from bidbridge.services import comparison, scoping, sealing
from bidbridge.services.comparison_grid import money_text, unit_text

API: Api = "contractor"


# The grid page, the xlsx export and this function write money and unit prices alike.
_m = money_text
_unit = unit_text


def _q(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.001")), "f")


class ProposalRef(ApiModel):
    id: int
    version: int
    submitted_at: int
    submitted_by: str
    total_amount: str = Field(description="The proposal's total, EUR, 2 decimals.")
    message: str | None


class BidderOut(ApiModel):
    rfp_id: int
    company_id: int
    company_name: str
    status: str
    proposal: ProposalRef | None = Field(description="The latest version; null when none was "
                                                     "submitted or the latest was withdrawn.")
    withdrawn: bool = Field(description="The latest version was withdrawn.")
    lines_total: str | None = Field(description="Sum of the included budget lines.")
    extras_total: str | None = Field(description="Sum of the included extra rows.")
    on_latest_addendum: bool | None = Field(
        description="The proposal was submitted on the workpackage's latest addendum; false: "
                    "it needs reconfirmation; null: no proposal.")


class PriceOut(ApiModel):
    rfp_id: int
    unit_price: str | None = Field(description="As given (2 decimals), or derived from the "
                                               "total (4 decimals).")
    total: str | None = Field(description="The line's amount: the given total, else unit price "
                                          "× quantity, rounded half up to cents.")
    included: bool
    lowest: bool = Field(description="The lowest included amount on this line.")


class LineOut(ApiModel):
    budget_line_id: int
    code: str | None
    description: str
    quantity: str
    unit: str
    prices: list[PriceOut] = Field(description="One per bidder with a proposal pricing it.")
    lowest: str | None
    lowest_rfp_ids: list[int]


class ExtraOut(ApiModel):
    rfp_id: int
    description: str
    quantity: str | None
    unit: str | None
    unit_price: str | None
    total: str | None
    included: bool


class ComparisonOut(ApiModel):
    workpackage_id: int
    currency: str = "EUR"
    bidders: list[BidderOut] = Field(description="The columns: every invited subcontractor.")
    lines: list[LineOut] = Field(description="The rows: the budget lines, in order.")
    extra_rows: list[ExtraOut] = Field(description="Rows the subcontractors added themselves.")
    lowest_total: str | None
    lowest_total_rfp_ids: list[int]


def _get_proposals(call: Call) -> ComparisonOut:
    wp = scoping.workpackage_for_contractor(call.session, call.principal.company_id,
                                            call["workpackageId"])
    opening = sealing.ensure_readable(call.session, call.ctx, wp)
    if opening is not None and opening.new:
        call.after_read(lambda session: sealing.record_opening(session, call.ctx, opening))
    result = comparison.compare(call.session, wp)
    bidders, extras = [], []
    for col in result.columns:
        p = col.proposal
        bidders.append(BidderOut(
            rfp_id=col.rfp.id, company_id=col.company.id, company_name=col.company.name,
            status=col.rfp.status.value, withdrawn=col.withdrawn,
            proposal=ProposalRef(id=p.id, version=p.version, submitted_at=unix(p.submitted_at),
                                 submitted_by=p.submitted_by_name,
                                 total_amount=format(p.total_amount, "f"), message=p.message)
            if p else None,
            lines_total=_m(col.lines_total) if p else None,
            extras_total=_m(col.extras_total) if p else None,
            on_latest_addendum=col.on_latest_addendum))
        extras += [ExtraOut(rfp_id=col.rfp.id, description=e.description, quantity=_q(e.quantity),
                            unit=e.unit, unit_price=_unit(e.unit_price), total=_m(e.total),
                            included=e.included) for e in col.extra_rows]
    lines = [LineOut(
        budget_line_id=row.line.id, code=row.line.code, description=row.line.description,
        quantity=_q(row.line.quantity) or "0.000", unit=row.line.unit,
        prices=[PriceOut(rfp_id=rfp_id, unit_price=_unit(c.unit_price), total=_m(c.total),
                         included=c.included, lowest=rfp_id in row.lowest_rfp_ids)
                for rfp_id, c in row.cells.items()],
        lowest=_m(row.lowest), lowest_rfp_ids=row.lowest_rfp_ids) for row in result.rows]
    return ComparisonOut(workpackage_id=wp.id, bidders=bidders, lines=lines, extra_rows=extras,
                         lowest_total=_m(result.lowest_total),
                         lowest_total_rfp_ids=result.lowest_total_rfp_ids)


function(api=API, name="getProposals", path="/workpackages/{workpackageId}/proposals",
         tag="Proposals", params=[WORKPACKAGE_ID], response=ComparisonOut,
         errors=["not_found", "sealed_until_deadline"],
         summary="Price comparison: every invited subcontractor's latest proposal, line by line.",
         description="Columns are the workpackage's RFPs; rows its budget lines. Each cell holds "
                     "the unit price, the line amount and whether the line is included; the "
                     "lowest included amount per line is marked. Money is EUR, exact, as "
                     "strings with 2 decimals. A sealed workpackage answers 409 "
                     "sealed_until_deadline before its deadline; the first read after it records "
                     "the opening (getBidOpening).")(_get_proposals)
