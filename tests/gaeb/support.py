"""GAEB test material: the hand-written X83 (every item type, written without pygaeb), an
independent X84 writer (pygaeb's builder, from a price list of our own) and a bill in the DB."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pygaeb.builder import BoQBuilder
from pygaeb.models.enums import ItemType as GaebType
from pygaeb.writer import GAEBWriter

from bidbridge.models import BudgetLine, Rfp, Workpackage
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.gaeb_exchange import import_bill
from tests.factories import CompanySetup, Factory
from tests.tendering_factory import Tender, tender

HAND_WRITTEN = (Path(__file__).parent / "hand_written.X83").read_bytes()
MAX = 50 * 1024 * 1024

# The hand-written bill: OZ -> (type, quantity, unit).
ITEMS = {
    "01.0010": ("normal", Decimal("12.500"), "m2"),
    "01.0020": ("lump_sum", Decimal("1"), "psch"),
    "01.0030": ("provisional_with_total", Decimal("3"), "St"),
    "01.0040": ("provisional", Decimal("4"), "St"),
    "01.0050": ("base", Decimal("5"), "m"),
    "01.0060": ("alternative", Decimal("5"), "m"),
}


@dataclass
class Bill:
    tender: Tender
    bidder: CompanySetup

    @property
    def workpackage(self) -> Workpackage:
        return self.tender.workpackage

    @property
    def rfp(self) -> Rfp:
        return self.tender.rfp_for(self.bidder)


def contractor_ctx(factory: Factory, t: Tender) -> RequestContext:
    admin = t.contractor.admin
    return factory.ctx(Actor("contact", admin.id, admin.name, t.contractor.company.id))


def bidder_ctx(factory: Factory, setup: CompanySetup) -> RequestContext:
    user = setup.api_user or setup.admin
    return factory.ctx(Actor("contact", user.id, user.name, setup.company.id))


def imported_bill(factory: Factory, data: bytes = HAND_WRITTEN) -> Bill:
    bidder = factory.company()
    t = tender(factory, [bidder], lines=2, document_count=0)
    with factory.runtime.sessions() as s, s.begin():
        wp = s.get(Workpackage, t.workpackage.id)
        assert wp is not None
        import_bill(s, contractor_ctx(factory, t), wp, data, parameter="file", max_bytes=MAX)
    return Bill(t, bidder)


def independent_x84(prices: dict[str, str], *, items: dict[str, tuple[str, Decimal, str]]
                    | None = None, totals: dict[str, str] | None = None) -> bytes:
    """An X84 written by pygaeb's own builder from a plain price list: not by our writer."""
    builder = BoQBuilder(phase="X84", version="3.3")
    builder.project(no="B-1", name="Bid", currency="EUR")
    title = builder.add_category("01", "Mauerarbeiten")
    for oz, (_, quantity, unit) in (items or ITEMS).items():
        unit_price = Decimal(prices[oz]) if oz in prices else None
        total = Decimal(totals[oz]) if totals and oz in totals else None
        title.add_item(oz.split(".")[1], f"Item {oz}", qty=quantity, unit=unit,
                       unit_price=unit_price, total_price=total, item_type=GaebType.NORMAL)
    data, _ = GAEBWriter.to_bytes(builder.build(), prog_system="independent")
    return data


def lines_of(session, wp_id: int) -> list[BudgetLine]:
    from bidbridge.services.budget_setup import live_lines
    return live_lines(session, wp_id)
