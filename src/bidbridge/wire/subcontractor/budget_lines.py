"""Wire schemas: subcontractor budget_lines."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


class PriceOut(ApiModel):
    price_entry_id: int
    unit_price: str | None = Field(description="EUR. Two decimals when typed; four when derived "
                                               "from totalPrice (total / quantity, half-up).")
    total_price: str | None = Field(description="EUR, two decimals. quantity x unitPrice rounded "
                                                "half-up to cents when unitPrice was typed.")
    priced_by: str | None = Field(description="unitPrice or totalPrice: which one was typed and "
                                              "is authoritative; null when not priced.")
    included: bool
    updated_at: int


class BudgetLineOut(ApiModel):
    budget_line_id: int
    code: str | None
    description: str
    quantity: str = Field(description="Three decimals, as a string.")
    unit: str
    position: int
    deleted: bool = Field(description="Deleted by the contractor: kept as a tombstone, excluded "
                                      "from totals and proposals.")
    updated_at: int
    price: PriceOut | None = Field(description="Your draft price; null when not priced yet.")
    oz: str | None = Field(default=None, description="The ordinal number in the bill of "
                                                     "quantities, e.g. 01.02.0030.")
    item_type: str = Field(default="normal", description="normal, lump_sum, "
                           "provisional_with_total, provisional, base, alternative or markup.")
    counts_in_total: bool = Field(default=True, description="False for provisional items "
                                  "without total and alternatives: priced, never summed.")
    long_text: str | None = None
    quantity_tbd: bool = Field(default=False, description="The quantity is still to be "
                                                          "determined.")


class ExtraRowOut(ApiModel):
    price_entry_id: int
    description: str | None
    quantity: str | None
    unit: str | None
    unit_price: str | None
    total_price: str | None
    priced_by: str | None
    included: bool
    position: int
    deleted: bool = Field(description="Removed by you: kept as a tombstone, excluded from totals.")
    updated_at: int


class TotalsOut(ApiModel):
    included_total: str = Field(description="Sum of the included line totals (budget lines and "
                                            "extra rows, tombstones excluded), EUR, two decimals.")
    currency: str
    line_count: int = Field(description="Budget lines that are not deleted.")
    priced_count: int = Field(description="Priced rows (budget lines and extra rows).")
    included_count: int = Field(description="Priced rows included in the total.")


class BudgetLinesOut(ApiModel):
    rfp_id: int
    workpackage_id: int
    currency: str
    updated_at: int = Field(description="The RFP's updatedAt, which moves with every price.")
    lines: list[BudgetLineOut]
    extra_rows: list[ExtraRowOut]
    totals: TotalsOut
