"""Wire schemas: contractor comparison."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


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
