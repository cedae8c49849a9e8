"""Answers of the bill-of-quantities functions (GAEB and spreadsheet imports)."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


class BillImportOut(ApiModel):
    workpackage_id: int
    source: str = Field(description="x83, x81 or xlsx: what was read.")
    lots: int
    titles: int
    items: int
    items_by_type: dict[str, int] = Field(description="Items per type: normal, lump_sum, "
                                          "provisional_with_total, provisional, base, "
                                          "alternative, markup (types with no item left out).")
    bill_total: str | None = Field(description="The bill total (EUR) when the file carried "
                                   "prices: the items that count; null for an unpriced bill.")
    replaced_lines: int = Field(description="Budget lines of the previous bill, now deleted "
                                "(submitted proposals keep their snapshot).")


class BidUploadOut(ApiModel):
    rfp_id: int
    items: int
    priced: int
    unpriced: int = Field(description="Items without a unit price in the file: left unpriced "
                          "(never priced at 0).")
    included_total: str = Field(description="Your included total after the upload, EUR.")
