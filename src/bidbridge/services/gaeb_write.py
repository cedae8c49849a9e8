"""Writing a workpackage's bill as GAEB DA XML 3.3 with pygaeb: X83 (unpriced), X84 (a bid)
and X86 (the award). pygaeb 1.20 writes alternative and base items with markers of its own that
no other program reads; we write GAEB's ALNGroupNo/ALNSerNo in their place.

pygaeb and lxml load with this module: services.gaeb_exchange imports it when a file is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree
from pygaeb import GAEBDocument, GAEBWriter, Item
from pygaeb.models.boq import BoQ, BoQBkdn, BoQBody, BoQCtgy, BoQInfo, Lot
from pygaeb.models.document import AwardInfo, GAEBInfo
from pygaeb.models.enums import BkdnType, ExchangePhase, Provis, SourceVersion
from pygaeb.models.enums import ItemType as GaebType
from pygaeb.models.item import RichText

from bidbridge.models import BillSection
from bidbridge.services.bill import ItemType
from bidbridge.services.bill_export import LOOSE, BillRows, LinePrice, Phase, item_ozs

PROG_SYSTEM = "bidbridge"
_TYPES = {
    ItemType.NORMAL: (GaebType.NORMAL, None),
    ItemType.LUMP_SUM: (GaebType.LUMP_SUM, None),
    ItemType.PROVISIONAL_WITH_TOTAL: (GaebType.EVENTUAL, Provis.WITH_TOTAL),
    ItemType.PROVISIONAL: (GaebType.EVENTUAL, Provis.WITHOUT_TOTAL),
    ItemType.BASE: (GaebType.BASE_SURCHARGE, None),
    ItemType.ALTERNATIVE: (GaebType.ALTERNATIVE, None),
    ItemType.MARKUP: (GaebType.MARKUP, None),  # priced as an amount (docs/gaeb.md)
}
_SYNTHETIC = {"AlternativeItem": "1", "SurchargeItem": "0"}


def _rno_chain(section_id: int | None, by_id: dict[int, BillSection]) -> list[BillSection]:
    chain: list[BillSection] = []
    while section_id is not None and section_id in by_id:
        chain.insert(0, by_id[section_id])
        section_id = by_id[section_id].parent_id
    return chain


def _leaf(oz: str, path: list[str]) -> str:
    prefix = ".".join(path)
    if prefix and oz.startswith(prefix + "."):
        return oz[len(prefix) + 1:]
    return oz.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class ExtraItem:
    """A bidder's own row (no OZ in the bill): written under a title of its own."""

    entry_id: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    total: Decimal | None


def build_document(rows: BillRows, phase: ExchangePhase,
                   prices: dict[int, LinePrice] | None = None,
                   extras: list[ExtraItem] | None = None) -> GAEBDocument:
    """The bill as a pygaeb document; ``prices`` (by budget line id) make it a bid or award."""
    by_id = {s.id: s for s in rows.sections}
    categories: dict[int, BoQCtgy] = {}
    lots: dict[int, Lot] = {}
    loose = BoQCtgy(rno=LOOSE, label="Budget lines")
    top: list[BoQCtgy] = []

    def category(section: BillSection) -> BoQCtgy | None:
        if section.kind == "lot":
            if section.id not in lots:
                lots[section.id] = Lot(rno=section.rno, label=section.label)
            return None
        if section.id not in categories:
            ctgy = categories[section.id] = BoQCtgy(rno=section.rno, label=section.label)
            parent = by_id.get(section.parent_id) if section.parent_id else None
            if parent is None:
                top.append(ctgy)
            elif parent.kind == "lot":
                category(parent)
                lots[parent.id].body.categories.append(ctgy)
            else:
                parent_ctgy = category(parent)
                if parent_ctgy is not None:
                    parent_ctgy.subcategories.append(ctgy)
        return categories[section.id]

    for section in rows.sections:
        category(section)
    ozs = item_ozs(rows.lines)
    for line in rows.lines:
        chain = _rno_chain(line.section_id, by_id)
        path = [s.rno for s in chain] or [LOOSE]
        kind = ItemType(line.item_type or "normal")
        gaeb_type, provis = _TYPES[kind]
        price = (prices or {}).get(line.id)
        item = Item(id=f"I{line.id}", oz=_leaf(ozs[line.id], path), oz_path=path,
                    short_text=line.description,
                    long_text=RichText.from_plain(line.long_text) if line.long_text else None,
                    qty=line.quantity, qty_tbd=line.quantity_tbd, unit=line.unit,
                    item_type=gaeb_type, provis=provis,
                    unit_price=price.unit_price if price else None,
                    total_price=price.total if price else None,
                    up_components=list(price.up_components) if price else [])
        target = categories.get(line.section_id) if line.section_id else None
        (target or loose).items.append(item)
    if loose.items:
        top.append(loose)
    if extras:
        taken = {c.rno for c in top} | {s.rno for s in rows.sections if s.parent_id is None}
        rno = next(str(n) for n in range(98, 9, -1) if str(n) not in taken)
        top.append(BoQCtgy(rno=rno, label="Additional items of the bidder", items=[
            Item(id=f"E{extra.entry_id}", oz=f"{n * 10:04d}", oz_path=[rno],
                 short_text=extra.description, qty=extra.quantity, unit=extra.unit,
                 unit_price=extra.unit_price, total_price=extra.total)
            for n, extra in enumerate(extras, start=1)]))
    bill = rows.bill
    bkdn = [BoQBkdn(bkdn_type=BkdnType(level["type"]), length=int(level["length"]))
            for level in (bill.numbering if bill else [])] or \
        [BoQBkdn(bkdn_type=BkdnType.BOQ_LEVEL, length=2),
         BoQBkdn(bkdn_type=BkdnType.ITEM, length=4)]
    info = BoQInfo(name=(bill.name if bill else None) or rows.workpackage_name[:60],
                   lbl_boq=rows.workpackage_name, bkdn=bkdn,
                   lbl_up_comps=list(bill.up_component_labels) if bill else [])
    all_lots = list(lots.values())
    if top:
        all_lots.insert(0, Lot(rno="1", label="", synthetic=True, body=BoQBody(categories=top)))
    for lot in all_lots:
        lot.boq_info = info
    award = AwardInfo(project_name=rows.project_name, currency="EUR",
                      boq=BoQ(boq_info=info, lots=all_lots))
    return GAEBDocument(source_version=SourceVersion.DA_XML_33, exchange_phase=phase,
                        gaeb_info=GAEBInfo(prog_system=PROG_SYSTEM), award=award)


def write(rows: BillRows, phase: Phase, prices: dict[int, LinePrice] | None = None,
          extras: list[ExtraItem] | None = None) -> bytes:
    exchange_phase = ExchangePhase(phase)
    doc = build_document(rows, exchange_phase, prices, extras)
    data, _warnings = GAEBWriter.to_bytes(doc, phase=exchange_phase, prog_system=PROG_SYSTEM,
                                          prog_name=PROG_SYSTEM)
    return _real_alternatives(data, rows)


def _real_alternatives(data: bytes, rows: BillRows) -> bytes:
    """Replace pygaeb's own <AlternativeItem/> / <SurchargeItem/> by ALNGroupNo + ALNSerNo."""
    if not any(line.item_type in (ItemType.ALTERNATIVE, ItemType.BASE) for line in rows.lines):
        return data
    groups = {f"I{line.id}": line.alternative_group or "01" for line in rows.lines}
    serials: dict[str, int] = {}  # alternatives of a group are numbered 1, 2, … in bill order
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser=parser)
    for element in root.iter():
        name = etree.QName(element).localname
        if name not in _SYNTHETIC:
            continue
        item = element.getparent()
        if item is None:
            continue
        namespace = etree.QName(item).namespace
        index = list(item).index(element)
        item.remove(element)
        group = etree.Element(f"{{{namespace}}}ALNGroupNo" if namespace else "ALNGroupNo")
        group.text = groups.get(item.get("ID") or "", "01")
        serial = etree.Element(f"{{{namespace}}}ALNSerNo" if namespace else "ALNSerNo")
        if _SYNTHETIC[name] == "0":
            serial.text = "0"
        else:
            serials[group.text] = min(serials.get(group.text, 0) + 1, 9)
            serial.text = str(serials[group.text])
        item.insert(index, serial)
        item.insert(index, group)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8",
                                   pretty_print=True)
    return result
