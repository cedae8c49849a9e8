"""Wire schemas: contractor workpackages."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


class BudgetLineOut(ApiModel):
    id: int
    code: str | None
    description: str
    quantity: str = Field(description="Exact decimal with 3 places, as a string.")
    unit: str
    position: int
    updated_at: int


class BudgetLinesOut(ApiModel):
    workpackage_id: int
    lines: list[BudgetLineOut] = Field(description="The lines just added, in order.")
