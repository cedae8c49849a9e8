"""What a bill's files are written from, without the libraries that write them: the rows loaded
for an export (services.gaeb_exchange loads them; services.gaeb_write writes GAEB with pygaeb,
services.bill_xlsx the spreadsheet with openpyxl), a line's prices, every line's OZ in a file and
the GAEB phases we write. Those libraries load only when a file is written or read, so a server
worker that never does carries none of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from bidbridge.models import Bill, BillSection, BudgetLine

# The GAEB exchange phases we write, spelled as pygaeb's ExchangePhase values (a test checks).
Phase = Literal["X83", "X84", "X86"]


@dataclass(frozen=True)
class LinePrice:
    unit_price: Decimal | None
    total: Decimal | None
    up_components: list[Decimal] = field(default_factory=list)


@dataclass
class BillRows:
    """What a bill is made of, loaded by the caller (services.gaeb_exchange)."""

    bill: Bill | None
    sections: list[BillSection]
    lines: list[BudgetLine]
    project_name: str
    workpackage_name: str


LOOSE = "99"  # the title of lines that stand under none (lines from before bills)


def item_ozs(lines: list[BudgetLine]) -> dict[int, str]:
    """Every line's OZ in a file: its own, or 99.NNNN by its place when it has none."""
    return {line.id: line.oz or f"{LOOSE}.{n * 10:04d}" for n, line in enumerate(lines, start=1)}
