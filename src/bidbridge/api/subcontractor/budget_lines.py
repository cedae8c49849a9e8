"""getBudgetLines and priceBudgetLines: the workpackage's bill of quantities and our draft prices."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, TypeAdapter, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from bidbridge.api.call import Call
from bidbridge.api.declare import Input, Param, function, id_parameter
from bidbridge.clock import unix
from bidbridge.models import BudgetLine, PriceEntry
from bidbridge.services import money, pricing
from bidbridge.services.bill import counts_in_total
from bidbridge.services.pricing import BudgetSheet, PriceChange
from bidbridge.wire.subcontractor.budget_lines import (
    BudgetLineOut,
    BudgetLinesOut,
    ExtraRowOut,
    PriceOut,
    TotalsOut,
)

MAX_ITEMS = 1000


def _decimal(value: Any, *, decimals: int, limit: Decimal, what: str) -> Decimal | None:
    """The exact-decimal rule of services.money (shared with the web pricing grid)."""
    try:
        return money.parse_decimal(value, decimals=decimals, limit=limit, what=what)
    except money.DecimalRefused as exc:
        raise PydanticCustomError(exc.kind, exc.message) from exc


Money = Annotated[Decimal, BeforeValidator(
    lambda v: _decimal(v, decimals=2, limit=money.MAX_AMOUNT, what="an amount in EUR"))]
Quantity = Annotated[Decimal, BeforeValidator(
    lambda v: _decimal(v, decimals=3, limit=money.MAX_QUANTITY, what="a quantity"))]
_EXTRA_FIELDS = ("price_entry_id", "description", "quantity", "unit", "deleted")


class PriceLineIn(BaseModel):
    """One item of priceBudgetLines' ``lines``."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")

    budget_line_id: int | None = Field(None, ge=1, le=10**18)
    price_entry_id: int | None = Field(None, ge=1, le=10**18)
    description: str | None = Field(None, min_length=1, max_length=2000)
    quantity: Quantity | None = None
    unit: str | None = Field(None, min_length=1, max_length=32)
    unit_price: Money | None = None
    total_price: Money | None = None
    included: StrictBool = True
    deleted: StrictBool = False

    @model_validator(mode="after")
    def _rules(self) -> PriceLineIn:
        sent = self.model_fields_set
        if self.unit_price is not None and self.total_price is not None:
            raise PydanticCustomError("line_rules", "give unitPrice or totalPrice, not both")
        if self.budget_line_id is not None:
            extra = [to_camel(n) for n in _EXTRA_FIELDS if n in sent]
            if extra:
                raise PydanticCustomError(
                    "line_rules", "a budget line item takes budgetLineId, unitPrice or "
                    "totalPrice, and included; {fields} belong to extra rows",
                    {"fields": ", ".join(extra)})
        elif self.price_entry_id is None:
            if self.deleted:
                raise PydanticCustomError("line_rules", "deleted=true needs the priceEntryId of "
                                          "the extra row to delete")
            missing = [to_camel(n) for n in ("description", "quantity", "unit")
                       if getattr(self, n) is None]
            if missing:
                raise PydanticCustomError(
                    "line_rules", "give budgetLineId to price a budget line, or description, "
                    "quantity and unit for a new extra row (missing: {fields})",
                    {"fields": ", ".join(missing)})
        else:
            nulls = [to_camel(n) for n in ("description", "quantity", "unit")
                     if n in sent and getattr(self, n) is None]
            if nulls:
                raise PydanticCustomError("line_rules", "{fields} of an extra row cannot be null",
                                          {"fields": ", ".join(nulls)})
        return self

    def change(self, index: int) -> PriceChange:
        fields = {name: getattr(self, name) for name in self.model_fields_set
                  if name not in ("budget_line_id", "price_entry_id")}
        return PriceChange(index=index, budget_line_id=self.budget_line_id,
                           price_entry_id=self.price_entry_id, fields=fields)


LINES = TypeAdapter(Annotated[list[PriceLineIn], Field(min_length=1, max_length=MAX_ITEMS)])


def _price_out(entry: PriceEntry, quantity: Decimal) -> PriceOut:
    found = pricing.amounts(entry, quantity)
    return PriceOut(price_entry_id=entry.id,
                    unit_price=money.unit_price_text(found.unit_price,
                                                     derived=found.priced_by == "totalPrice"),
                    total_price=money.money_text(found.total_price), priced_by=found.priced_by,
                    included=entry.included, updated_at=unix(entry.updated_at))


def _line_out(line: BudgetLine, entry: PriceEntry | None) -> BudgetLineOut:
    return BudgetLineOut(
        budget_line_id=line.id, code=line.code, description=line.description,
        quantity=money.quantity_text(line.quantity) or "0.000", unit=line.unit,
        position=line.position, deleted=line.deleted_at is not None,
        updated_at=unix(line.updated_at),
        price=_price_out(entry, line.quantity) if entry is not None else None,
        oz=line.oz, item_type=line.item_type or "normal", counts_in_total=counts_in_total(line),
        long_text=line.long_text, quantity_tbd=bool(line.quantity_tbd))


def _extra_out(entry: PriceEntry) -> ExtraRowOut:
    price = _price_out(entry, entry.quantity or Decimal(0))
    return ExtraRowOut(price_entry_id=entry.id, description=entry.description,
                       quantity=money.quantity_text(entry.quantity), unit=entry.unit,
                       unit_price=price.unit_price, total_price=price.total_price,
                       priced_by=price.priced_by, included=entry.included,
                       position=entry.position, deleted=entry.deleted_at is not None,
                       updated_at=price.updated_at)


def budget_lines_out(sheet: BudgetSheet) -> BudgetLinesOut:
    return BudgetLinesOut(
        rfp_id=sheet.rfp.id, workpackage_id=sheet.rfp.workpackage_id, currency=money.CURRENCY,
        updated_at=unix(sheet.rfp.updated_at),
        lines=[_line_out(line, entry) for line, entry in sheet.lines],
        extra_rows=[_extra_out(e) for e in sheet.extras],
        totals=TotalsOut(included_total=money.money_text(sheet.included_total) or "0.00",
                         currency=money.CURRENCY,
                         line_count=sum(1 for line, _ in sheet.lines if line.deleted_at is None),
                         priced_count=sheet.priced_count, included_count=sheet.included_count))


RFP_ID = id_parameter("rfpId", "template", "The RFP's id, from getRfps.", required=True,
                      expected="a positive whole number", example=1)


class BudgetLinesIn(Input):
    rfp_id: Annotated[int, RFP_ID]


def _get_budget_lines(call: Call, args: BudgetLinesIn) -> BudgetLinesOut:
    sheet = pricing.get_budget_sheet(call.session, call.principal.company_id, args.rfp_id)
    return budget_lines_out(sheet)


function(
    api="subcontractor", name="getBudgetLines", path="/rfps/{rfpId}/budget-lines",
    tag="Budget lines", response=BudgetLinesOut, errors=["not_found"],
    summary="The workpackage's budget lines with your draft prices, your extra rows and totals.",
    description=(
        "Lines are ordered by position; lines the contractor deleted stay listed with "
        "deleted=true (tombstones) and no longer count. Each line carries your draft price, if "
        "any: the amount you typed (pricedBy) and the other one derived from it. Money is a "
        "decimal string in EUR, never a float."),
    input=BudgetLinesIn,
)(_get_budget_lines)


class PriceBudgetLinesIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    lines: Annotated[list[PriceLineIn], Param(
        "lines", "query", "A JSON list of price items (a form field holding JSON, or a "
        "JSON array in a JSON body).", required=True, type="json", adapter=LINES,
        expected="a JSON list of 1–1000 items such as [{\"budgetLineId\": 12, "
                 "\"unitPrice\": \"45.50\", \"included\": true}]",
        example=[{"budgetLineId": 1, "unitPrice": "45.50", "included": True},
                 {"description": "Steigerwerk", "quantity": "1", "unit": "post",
                  "totalPrice": "1250.00"}])]


def _price_budget_lines(call: Call, args: PriceBudgetLinesIn) -> BudgetLinesOut:
    changes = [item.change(i) for i, item in enumerate(args.lines)]
    sheet = pricing.price_budget_lines(call.session, call.ctx, call.principal.company_id,
                                       args.rfp_id, changes)
    return budget_lines_out(sheet)


function(
    api="subcontractor", name="priceBudgetLines", path="/rfps/{rfpId}/budget-lines",
    tag="Budget lines", response=BudgetLinesOut, idempotent_writes=True,
    errors=["not_found", "deadline_passed", "rfp_forwarded"],
    summary="Save draft prices for budget lines and your own extra rows (one or many at once).",
    description=(
        "Drafts are saved as typed: send one line or many. Each item of 'lines' is either "
        "{budgetLineId, unitPrice | totalPrice, included} for a contractor's line, or an extra "
        "row {description, quantity, unit, unitPrice | totalPrice, included}; to change or "
        "delete an extra row add its priceEntryId (and deleted=true to remove it; it stays "
        "listed as a tombstone). A key you leave out keeps its stored value; unitPrice=null "
        "(or totalPrice=null) removes the price. Amounts are decimal strings or JSON numbers "
        "with at most 2 decimals (quantities 3), never negative, at most 999999999999.99. We "
        "store what you typed and derive the other amount: total = quantity x unitPrice rounded "
        "half-up to cents; unitPrice = total / quantity rounded half-up to 4 decimals. All "
        "items are saved or none: a 422 lists every offending item (lines[2].budgetLineId). "
        "Refused at and after the deadline (409 deadline_passed) and after forwarding."),
    input=PriceBudgetLinesIn,
)(_price_budget_lines)
