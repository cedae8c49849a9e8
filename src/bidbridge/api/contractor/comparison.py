"""getProposals (contractor API): the price comparison of one workpackage."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from bidbridge.api.call import Call
from bidbridge.api.contractor.workpackages import WORKPACKAGE_ID
from bidbridge.api.declare import Api, Input, function
from bidbridge.clock import unix
from bidbridge.services import comparison, scoping, sealing
from bidbridge.services.comparison_grid import money_text, unit_text
from bidbridge.wire.contractor.comparison import (
    BidderOut,
    ComparisonOut,
    ExtraOut,
    LineOut,
    PriceOut,
    ProposalRef,
)

API: Api = "contractor"


# The grid page, the xlsx export and this function write money and unit prices alike.
_m = money_text
_unit = unit_text


def _q(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.001")), "f")


class ComparisonIn(Input):
    workpackage_id: Annotated[int, WORKPACKAGE_ID]


def _get_proposals(call: Call, args: ComparisonIn) -> ComparisonOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
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
         tag="Proposals", input=ComparisonIn, response=ComparisonOut,
         errors=["not_found", "sealed_until_deadline"],
         summary="Price comparison: every invited subcontractor's latest proposal, line by line.",
         description="Columns are the workpackage's RFPs; rows its budget lines. Each cell holds "
                     "the unit price, the line amount and whether the line is included; the "
                     "lowest included amount per line is marked. Money is EUR, exact, as "
                     "strings with 2 decimals. A sealed workpackage answers 409 "
                     "sealed_until_deadline before its deadline; the first read after it records "
                     "the opening (getBidOpening).")(_get_proposals)
