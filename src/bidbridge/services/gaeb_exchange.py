"""GAEB exchanges of a bill: the contractor imports an X83/X81 and exports the X83, each
bidder's proposal as X84 and the award as X86; the subcontractor downloads the RFP's X83,
uploads a priced X84 (one atomic pricing step) and downloads a submitted version as X84.

pygaeb is imported by services.gaeb_read and services.gaeb_write, which load on the first file
read or written: a server worker that never exchanges a GAEB file carries none of it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.errors import AppError
from bidbridge.models import BillSection, BudgetLine, Proposal, ProposalState, Rfp, RfpStatus, Workpackage
from bidbridge.services import money
from bidbridge.services.audit import record_event
from bidbridge.services.bill import (
    MAX_UP_COMPONENTS,
    ImportSummary,
    check_draft,
    get_bill,
    limit_problem,
    live_sections,
    refuse_inconsistent,
    replace_bill,
)
from bidbridge.services.bill_export import BillRows, LinePrice, Phase, item_ozs
from bidbridge.services.budget_setup import live_lines
from bidbridge.services.context import RequestContext
from bidbridge.services.pricing import BudgetSheet, PriceChange, load_sheet, price_budget_lines
from bidbridge.services.scoping import RFP_OF_SUBCONTRACTOR, load

if TYPE_CHECKING:
    from pygaeb import GAEBDocument


def bill_rows(session: Session, wp: Workpackage, lines: list[BudgetLine] | None = None
              ) -> BillRows:
    sections = live_sections(session, wp.id)
    lines = live_lines(session, wp.id) if lines is None else lines
    wanted = {line.section_id for line in lines if line.section_id is not None}
    known = {s.id for s in sections}
    if wanted - known:  # the titles of lines kept from an earlier bill (a proposal's snapshot)
        sections += list(session.scalars(select(BillSection).where(
            BillSection.id.in_(wanted - known))))
        _add_parents(session, sections)
    return BillRows(bill=get_bill(session, wp.id), sections=sections, lines=lines,
                    project_name=wp.project.name, workpackage_name=wp.name)


def _add_parents(session: Session, sections: list[BillSection]) -> None:
    known = {s.id for s in sections}
    missing = {s.parent_id for s in sections if s.parent_id and s.parent_id not in known}
    while missing:
        found = list(session.scalars(select(BillSection).where(BillSection.id.in_(missing))))
        sections += found
        known |= {s.id for s in found}
        missing = {s.parent_id for s in found if s.parent_id and s.parent_id not in known}


# --- the contractor ------------------------------------------------------------------------

def import_bill(session: Session, ctx: RequestContext, wp: Workpackage, data: bytes, *,
                parameter: str, max_bytes: int) -> ImportSummary:
    """Replace the workpackage's bill by an X83 or X81; an inconsistent file changes nothing."""
    from bidbridge.services.gaeb_read import draft_bill, read_document

    doc = read_document(data, parameter, expected=("83", "81"), max_bytes=max_bytes)
    draft, problems = draft_bill(doc, source=f"x{doc.exchange_phase.value[-2:]}")
    problems += check_draft(draft)
    if problems:
        raise refuse_inconsistent(problems, parameter)
    if not draft.items():
        raise AppError(f"'{parameter}': the file holds no items; nothing was imported.",
                       code="bill_inconsistent", status=422,
                       data={"parameter": parameter, "problems": []})
    return replace_bill(session, ctx, wp, draft, parameter=parameter)


def export_x83(session: Session, wp: Workpackage) -> bytes:
    from bidbridge.services.gaeb_write import write

    return write(bill_rows(session, wp), "X83")


def proposal_prices(proposal: Proposal) -> tuple[dict[int, LinePrice], list[dict[str, Any]]]:
    """The priced, included budget lines of a snapshot by line id, and its included extra rows."""
    prices: dict[int, LinePrice] = {}
    extras: list[dict[str, Any]] = []
    for item in proposal.lines or []:
        if not item.get("included", True):
            continue
        if item.get("budgetLineId") is None:
            extras.append(item)
            continue
        total = item.get("totalPrice")
        unit = item.get("unitPrice")
        price = Decimal(unit) if unit is not None else None
        if price is not None and item.get("pricedBy") == "totalPrice":
            price = money.cents(price)  # GAEB's unit price has 2 decimals; the total is kept
        prices[int(item["budgetLineId"])] = LinePrice(
            price,
            Decimal(total) if total is not None else None,
            [Decimal(c) for c in item.get("upComponents") or []])
    return prices, extras


def proposal_document(session: Session, proposal: Proposal, phase: Phase) -> bytes:
    """A submitted version as X84 (or X86): its lines with their prices as submitted. Lines
    removed since, but priced in the snapshot, are written too, so the totals stay its own."""
    from bidbridge.services.gaeb_write import ExtraItem, write

    rfp = session.get(Rfp, proposal.rfp_id)
    assert rfp is not None
    prices, extra_rows = proposal_prices(proposal)
    # The bidder's own rows have no OZ in the bill: they go under a title of their own.
    extras = [ExtraItem(int(row["priceEntryId"]), str(row.get("description") or ""),
                        Decimal(row.get("quantity") or "0"), str(row.get("unit") or "psch"),
                        money.cents(Decimal(row["unitPrice"])) if row.get("unitPrice")
                        else None,
                        Decimal(row["totalPrice"]) if row.get("totalPrice") else None)
              for row in extra_rows]
    lines = live_lines(session, rfp.workpackage_id)
    present = {line.id for line in lines}
    gone = [i for i in prices if i not in present]
    if gone:
        lines += list(session.scalars(select(BudgetLine).where(BudgetLine.id.in_(gone))))
        lines.sort(key=lambda line: (line.position, line.id))
    return write(bill_rows(session, rfp.workpackage, lines), phase, prices, extras)


def award_document(session: Session, wp: Workpackage) -> bytes:
    rfp = session.scalar(select(Rfp).where(Rfp.workpackage_id == wp.id,
                                           Rfp.status == RfpStatus.AWARDED))
    proposal = None
    if rfp is not None:
        proposal = session.scalar(select(Proposal).where(
            Proposal.rfp_id == rfp.id, Proposal.state == ProposalState.SUBMITTED,
            Proposal.superseded_at.is_(None)))
    if proposal is None:
        raise AppError(f"Workpackage {wp.id} has no award with a submitted proposal yet: award "
                       "a bidder (setRfpStatus awarded) first, then export the X86.",
                       code="not_awarded", status=409, data={"workpackageId": wp.id})
    return proposal_document(session, proposal, "X86")


# --- the subcontractor ---------------------------------------------------------------------

@dataclass(frozen=True)
class UploadResult:
    sheet: BudgetSheet
    priced: int
    unpriced: int


def upload_x84(session: Session, ctx: RequestContext, company_id: int, rfp_id: int,
               data: bytes, *, parameter: str, max_bytes: int) -> UploadResult:
    """Price every line of the RFP from a bid file, or nothing: the file must hold the RFP's
    bill exactly (the same OZs, quantities and units); every difference is listed."""
    from bidbridge.services.gaeb_read import bidder_texts, read_document

    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id, for_update=True)
    doc = read_document(data, parameter, expected=("84",), max_bytes=max_bytes)
    live = live_lines(session, rfp.workpackage_id)
    ozs = item_ozs(live)  # the OZs our X83 of this RFP gave the lines
    lines = {ozs[line.id]: line for line in live}
    bill = get_bill(session, rfp.workpackage_id)
    components = len(bill.up_component_labels) if bill else 0
    problems: list[dict[str, str]] = []
    changes: list[PriceChange] = []
    texts: dict[int, tuple[list[str] | None, dict[str, str] | None]] = {}
    seen: set[str] = set()
    for item in _items(doc):
        oz = item.full_oz

        def add(message: str, oz: str = oz) -> None:
            problems.append({"oz": oz, "message": message})
        line = lines.get(oz)
        if line is None:
            add("this OZ is not in the RFP's bill")
            continue
        numbers = [v for v in (item.qty, item.unit_price, item.total_price, *item.up_components)
                   if v is not None]
        if not all(v.is_finite() and abs(v) < 10**12 for v in numbers):
            add("a quantity, price or unit-price component is not a number GAEB allows")
            seen.add(oz)
            continue
        if oz in seen:
            add("this OZ appears more than once in the file")
            continue
        seen.add(oz)
        if not line.quantity_tbd and (item.qty is None or item.qty != line.quantity):
            add(f"the quantity is {money.quantity_text(item.qty) or 'missing'} in the file but "
                f"{money.quantity_text(line.quantity)} in the bill; quantities may not be "
                "changed")
        # An X84 need not repeat the unit (GAEB's X84 has no QU); when it does, it must agree.
        if item.unit is not None and item.unit.strip() != line.unit:
            add(f"the unit is {item.unit!r} in the file but {line.unit!r} in the bill")
        unit_price, total = item.unit_price, item.total_price
        # The file's total is checked against the file's own quantity (a changed quantity is
        # reported above, once).
        quantity = item.qty if item.qty is not None else line.quantity
        fields: dict[str, Any] = {"unit_price": None, "total_price": None}
        if unit_price is not None:
            found = limit_problem(quantity, unit_price, total)
            if unit_price < 0:
                add(f"the unit price {unit_price} is negative")
            elif found:
                add(found)
            elif unit_price != unit_price.quantize(money.CENT):
                add(f"the unit price {unit_price} has more than 2 decimals")
            else:
                fields = _price_fields(quantity, unit_price, total, add)
        elif total is not None:
            add(f"the item has a total ({total}) but no unit price")
        comps = [str(c) for c in item.up_components]
        if comps and len(comps) > max(components, 0):
            add(f"the file gives {len(comps)} unit-price components; the bill defines "
                f"{components} (at most {MAX_UP_COMPONENTS})")
        elif comps and unit_price is not None and sum(item.up_components) != unit_price:
            add(f"the unit-price components add up to {sum(item.up_components)}, not to the "
                f"unit price {unit_price}")
        changes.append(PriceChange(index=len(changes), budget_line_id=line.id, fields=fields))
        texts[line.id] = (comps or None, bidder_texts(item) or None)
    for oz in lines:
        if oz not in seen:
            problems.append({"oz": oz, "message": "this OZ of the RFP's bill is missing from "
                             "the file"})
    if problems:
        raise AppError(f"'{parameter}': the bid does not match the RFP's bill, nothing was "
                       f"priced: {len(problems)} difference(s), listed in 'problems'. Import the "
                       "RFP's X83 (getRfpGaeb) into your estimating software and price that.",
                       code="gaeb_mismatch", status=422,
                       data={"parameter": parameter, "problems": problems})
    sheet = price_budget_lines(session, ctx, company_id, rfp.id, changes)
    entries = {line.id: entry for line, entry in sheet.lines if entry is not None}
    for line_id, (comps_text, bidder) in texts.items():
        entry = entries.get(line_id)
        if entry is not None:
            entry.up_components = comps_text
            entry.bidder_texts = bidder
    priced = sum(1 for c in changes if c.fields.get("unit_price") is not None
                 or c.fields.get("total_price") is not None)
    record_event(session, ctx, "budget_lines.gaeb_uploaded", company_id=company_id,
                 target_type="rfp", target_id=rfp.id, target_label=rfp.workpackage.name,
                 data={"items": len(changes), "priced": priced, "bytes": len(data)})
    session.flush()
    return UploadResult(load_sheet(session, rfp), priced, len(changes) - priced)


def _price_fields(quantity: Decimal, unit_price: Decimal, total: Decimal | None,
                  add: Any) -> dict[str, Any]:
    """A unit price, unless the file's total says the bidder priced the line by its total (a
    unit price rounded for the file): then the total, as our own X84 of such a line writes it."""
    computed = money.line_total(quantity, unit_price)
    if total is None or total == computed:
        return {"unit_price": unit_price, "total_price": None}
    # Half a cent of unit-price rounding per unit, and half a cent of total rounding.
    slack = quantity * Decimal("0.005") + Decimal("0.005")
    if abs(total - computed) <= slack and total == total.quantize(money.CENT):
        return {"unit_price": None, "total_price": total}
    add(f"the total {total} is not quantity x unit price ({computed}, rounded half up to "
        "cents)")
    return {"unit_price": None, "total_price": None}


def _items(doc: GAEBDocument) -> list[Any]:
    return list(doc.award.boq.iter_items())


def rfp_x83(session: Session, company_id: int, rfp_id: int) -> tuple[Rfp, bytes]:
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id)
    return rfp, export_x83(session, rfp.workpackage)
