"""Reading GAEB DA XML 3.x safely: a size limit, then defusedxml's streaming parser (no DTD, no
entities, no external references, strict well-formedness, depth and item limits, the phase from
the ``DP`` element), and only then pygaeb, which builds the document. pygaeb alone would repair
malformed XML (its recovery parser) and parses a DTD; we refuse both.

The bill itself is then mapped to our draft (services.bill), filling pygaeb 1.20's gap: it reads
alternative and base items (``ALNGroupNo``/``ALNSerNo``) as normal items.

pygaeb loads with this module: services.gaeb_exchange imports it when a file is read.
"""

from __future__ import annotations

import io
import re
import xml.sax
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser
from pygaeb import GAEBDocument, GAEBParser, Item, PyGAEBError
from pygaeb.models.boq import BoQCtgy
from pygaeb.models.enums import ComplementKind, Provis
from pygaeb.models.enums import ItemType as GaebType

from bidbridge.services.bill import DraftBill, DraftItem, DraftSection, ItemType, refused

MAX_DEPTH = 64
MAX_ITEMS = 20_000
_NAMESPACE = re.compile(r"^http://www\.gaeb\.de/GAEB_DA_XML/(?:DA)?(\d\d)/(3\.[0-3])$")
PHASE_NAMES = {"81": "X81 (bill description)", "82": "X82 (cost estimate)",
               "83": "X83 (request for bids)", "84": "X84 (bid)", "85": "X85 (alternative bid)",
               "86": "X86 (award)"}


# Elements holding numbers: plain decimals only. pygaeb 1.20 formats every number digit by digit
# in its checks, so "1e999999" would keep it busy for minutes (found by our tests).
NUMERIC = frozenset({"Qty", "UP", "IT", "Markup", "ITMarkup", "SubQty", "DiscountPcnt", "VAT",
                     *(f"UPComp{i}" for i in range(1, 7))})
_PLAIN_NUMBER = re.compile(r"^\s*[+-]?[0-9]{1,15}([.,][0-9]{0,6})?\s*$")


class _Screen(ContentHandler):
    """Counts depth and items, checks numbers, and picks up the root's namespace and the DP
    element's text."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.items = 0
        self.root: tuple[str | None, str] | None = None
        self.dp = ""
        self._in_dp = False
        self._number: str | None = None  # the text of the numeric element being read

    def startElementNS(self, name: tuple[str | None, str], qname: str | None,
                       attrs: Any) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        if self.root is None:
            self.root = name
        local = name[1]
        if local in ("Item", "MarkupItem"):
            self.items += 1
            if self.items > MAX_ITEMS:
                raise _TooMany
        self._in_dp = local == "DP"
        self._number = "" if local in NUMERIC else None

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        self.depth -= 1
        self._in_dp = False
        if self._number is not None and self._number.strip() and \
                not _PLAIN_NUMBER.match(self._number):
            raise _BadNumber(name[1], self._number.strip()[:40])
        self._number = None

    def characters(self, content: str) -> None:
        if self._in_dp:
            self.dp += content
        if self._number is not None:
            self._number += content[:100]


class _TooDeep(Exception):
    pass


class _TooMany(Exception):
    pass


class _BadNumber(Exception):
    def __init__(self, element: str, text: str) -> None:
        super().__init__(element)
        self.element, self.text = element, text


@dataclass(frozen=True)
class Screened:
    phase: str  # "83", "84", ... from DP
    version: str  # "3.2", ...


def screen(data: bytes, parameter: str, *, max_bytes: int) -> Screened:
    """Refuse anything that is not a plain, well-formed GAEB DA XML 3.x file within limits."""
    if len(data) > max_bytes:
        raise refused(parameter, f"the file is {len(data):,} bytes; the largest GAEB file "
                      f"accepted is {max_bytes:,} bytes.", code="file_too_large", status=413,
                      limit=max_bytes)
    if not data.strip():
        raise refused(parameter, "the file is empty; send a GAEB DA XML file (.X83, .X84).")
    handler = _Screen()
    # defusedxml's defaults refuse entities and external references; refuse any DTD as well.
    parser = DefusedExpatParser(forbid_dtd=True)
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setContentHandler(handler)
    try:
        parser.parse(io.BytesIO(data))
    except DefusedXmlException as exc:
        raise refused(parameter, "the file declares a DTD, entities or external references "
                      f"({type(exc).__name__}); GAEB files never need them, and they are "
                      "refused for safety.", code="xml_forbidden") from None
    except xml.sax.SAXParseException as exc:
        raise refused(parameter, f"the file is not well-formed XML (line {exc.getLineNumber()}, "
                      f"column {exc.getColumnNumber()}: {exc.getMessage()}). Export it again "
                      "from your estimating software.", code="xml_malformed") from None
    except _TooDeep:
        raise refused(parameter, f"the XML nests deeper than {MAX_DEPTH} levels; no GAEB bill "
                      "does.") from None
    except _BadNumber as exc:
        raise refused(parameter, f"<{exc.element}> holds {exc.text!r}, which is not a plain "
                      "decimal number (digits, a dot, at most 15 digits before it).") from None
    except _TooMany:
        raise refused(parameter, f"the bill has more than {MAX_ITEMS:,} items; split it into "
                      "several workpackages.") from None
    namespace = (handler.root or (None, ""))[0] or ""
    match = _NAMESPACE.match(namespace)
    if handler.root is None or handler.root[1] != "GAEB" or match is None:
        raise refused(parameter, "this is not a GAEB DA XML 3.x file (its root element must be "
                      "<GAEB> in a namespace like http://www.gaeb.de/GAEB_DA_XML/DA83/3.3).")
    phase = handler.dp.strip() or match.group(1)
    return Screened(phase=phase, version=match.group(2))


def read_document(data: bytes, parameter: str, *, expected: tuple[str, ...],
                  max_bytes: int) -> GAEBDocument:
    """Screen the file, check its phase (the DP element) and parse it with pygaeb."""
    found = screen(data, parameter, max_bytes=max_bytes)
    if found.phase not in expected:
        wanted = " or ".join(PHASE_NAMES.get(p, f"X{p}") for p in expected)
        raise refused(parameter, f"this file is an {PHASE_NAMES.get(found.phase, 'X' + found.phase)}"
                      f" (its DP element says {found.phase}); expected an {wanted}.",
                      code="gaeb_wrong_phase", phase=found.phase, expected=list(expected))
    try:
        return GAEBParser.parse_bytes(data, filename=f"upload.X{found.phase}", keep_xml=True,
                                      max_file_size=0)
    except PyGAEBError as exc:
        raise refused(parameter, f"the GAEB file could not be read: {exc}") from None
    except Exception as exc:  # untrusted input: any failure of the parser is the file's
        raise refused(parameter, "the GAEB file could not be read "
                      f"({type(exc).__name__}); export it again.") from None


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child_text(item: Item, name: str) -> str | None:
    element = item.source_element
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def item_type_of(item: Item) -> ItemType | None:
    """Our type of a pygaeb item, reading the alternative number pygaeb 1.20 leaves unread."""
    kind = item.item_type
    if kind is GaebType.MARKUP:
        return ItemType.MARKUP
    if kind is GaebType.LUMP_SUM:
        return ItemType.LUMP_SUM
    if kind is GaebType.EVENTUAL:
        return (ItemType.PROVISIONAL_WITH_TOTAL if item.provis is Provis.WITH_TOTAL
                else ItemType.PROVISIONAL)
    serial = _child_text(item, "ALNSerNo")
    if kind is GaebType.ALTERNATIVE or (serial and serial.isdigit() and int(serial) > 0):
        return ItemType.ALTERNATIVE
    if kind is GaebType.BASE_SURCHARGE or serial == "0":
        return ItemType.BASE
    if kind in (GaebType.NORMAL, GaebType.SUPPLEMENT):
        return ItemType.NORMAL
    return None  # text-only and index items: nothing to price


def bidder_fields(item: Item) -> list[dict[str, str]]:
    if item.long_text is None:
        return []
    return [{"mark": c.mark, "label": c.label} for c in item.long_text.complements
            if c.kind == ComplementKind.BIDDER]


def bidder_texts(item: Item) -> dict[str, str]:
    if item.long_text is None:
        return {}
    return {c.mark: c.value for c in item.long_text.complements
            if c.kind == ComplementKind.BIDDER and c.value}


def draft_bill(doc: GAEBDocument, source: str) -> tuple[DraftBill, list[dict[str, str]]]:
    """The bill as our draft, and the problems of items we cannot take (per OZ)."""
    boq = doc.award.boq
    info = boq.boq_info
    problems: list[dict[str, str]] = []

    def item_of(item: Item) -> DraftItem | None:
        oz = item.full_oz
        kind = item_type_of(item)
        if kind is None:
            problems.append({"oz": oz, "message": f"the item type {item.item_type.value} carries "
                             "no price and cannot be a budget line"})
            return None
        if not all(v is None or v.is_finite() for v in (item.qty, item.unit_price)):
            problems.append({"oz": oz, "message": "the quantity or unit price is not a number"})
            return None
        quantity = item.qty
        if kind is ItemType.MARKUP and quantity is None:
            quantity = Decimal(1)
        if quantity is None and not item.qty_tbd:
            problems.append({"oz": oz, "message": "the item has no quantity (Qty) and is not "
                             "marked 'quantity to be determined' (QtyTBD)"})
            return None
        unit = item.unit or ("psch" if kind in (ItemType.MARKUP, ItemType.LUMP_SUM) else "")
        return DraftItem(oz=oz, short_text=item.short_text or "", item_type=kind,
                         quantity=quantity if quantity is not None else Decimal(0), unit=unit,
                         long_text=item.long_text_plain or None, quantity_tbd=item.qty_tbd,
                         alternative_group=_child_text(item, "ALNGroupNo") or None,
                         bidder_fields=bidder_fields(item), unit_price=item.unit_price)

    def section_of(ctgy: BoQCtgy) -> DraftSection:
        section = DraftSection("title", ctgy.rno, ctgy.label)
        section.items = [d for d in (item_of(i) for i in ctgy.items) if d is not None]
        section.sections = [section_of(sub) for sub in ctgy.subcategories]
        return section

    sections: list[DraftSection] = []
    for lot in boq.lots:
        titles = [section_of(c) for c in lot.body.categories]
        if lot.synthetic or (len(boq.lots) == 1 and not lot.label):
            sections.extend(titles)
        else:
            sections.append(DraftSection("lot", lot.rno, lot.label, sections=titles))
    numbering = [{"type": b.bkdn_type.value, "length": b.length}
                 for b in (info.bkdn if info else [])]
    draft = DraftBill(name=(info.name or info.lbl_boq) if info else None, numbering=numbering,
                      up_component_labels=list(info.lbl_up_comps) if info else [],
                      sections=sections, source=source)
    return draft, problems
