"""Projects, workpackages, budget lines and RFPs: what a contractor asks subcontractors to price."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidbridge.db import ExactDecimal
from bidbridge.models.accounts import Company, _enum
from bidbridge.models.base import Base, Timestamps


class RfpStatus(enum.StrEnum):
    """The contractor's view of one invited subcontractor."""

    UNKNOWN = "unknown"
    PENDING = "pending"
    CALCULATING = "calculating"
    NOT_CALCULATING = "not_calculating"
    PROPOSAL_TO_FOLLOW = "proposal_to_follow"
    PROPOSAL = "proposal"
    WITHIN_BUDGET = "within_budget"
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"


class RfpResponse(enum.StrEnum):
    CALCULATE = "calculate"
    PENDING = "pending"
    DECLINE = "decline"


class Project(Timestamps, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phase_id: Mapped[int | None] = mapped_column()
    classification_systems: Mapped[str | None] = mapped_column(String(100))  # comma list
    calc_number: Mapped[str | None] = mapped_column(String(64))
    work_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="active")
    address_1: Mapped[str | None] = mapped_column(String(200))
    address_2: Mapped[str | None] = mapped_column(String(200))
    zip: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    country_code: Mapped[str | None] = mapped_column(String(2))
    client: Mapped[str | None] = mapped_column(String(200))
    manager: Mapped[str | None] = mapped_column(String(200))
    architect: Mapped[str | None] = mapped_column(String(200))
    constructor: Mapped[str | None] = mapped_column(String(200))
    calculator: Mapped[str | None] = mapped_column(String(200))
    inkoper: Mapped[str | None] = mapped_column(String(200))
    werkvoorbereider: Mapped[str | None] = mapped_column(String(200))
    planned_start: Mapped[datetime | None] = mapped_column()
    planned_complete: Mapped[datetime | None] = mapped_column()
    deadline_date: Mapped[datetime | None] = mapped_column()
    questions_date: Mapped[datetime | None] = mapped_column()
    questions_time: Mapped[int | None] = mapped_column()
    update_date: Mapped[datetime | None] = mapped_column()
    update_time: Mapped[int | None] = mapped_column()
    tender_date: Mapped[datetime | None] = mapped_column()
    inspection_date: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(64))
    building_sectors: Mapped[str | None] = mapped_column(String(300))  # comma list
    description: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship()
    workpackages: Mapped[list[Workpackage]] = relationship(back_populates="project",
                                                           order_by="Workpackage.id")


class Workpackage(Timestamps, Base):
    __tablename__ = "workpackages"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)  # the external description
    deadline: Mapped[datetime | None] = mapped_column()  # overrides the project's deadline
    # Sealed opening: the contractor sees that bids came in, not what they say, until the
    # deadline has passed and the opening is recorded (bid_openings).
    sealed: Mapped[bool] = mapped_column(default=False, server_default=false())

    project: Mapped[Project] = relationship(back_populates="workpackages")


class BudgetLine(Timestamps, Base):
    """One line of the contractor's bill of quantities for a workpackage."""

    __tablename__ = "budget_lines"
    # getRfp counts a workpackage's live lines on every call: (workpackage_id, deleted_at)
    # answers it from the index alone, and serves every lookup by workpackage as before.
    __table_args__ = (Index("ix_budget_lines_workpackage_id_deleted_at", "workpackage_id",
                            "deleted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workpackage_id: Mapped[int] = mapped_column(ForeignKey("workpackages.id"))
    code: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 3))
    unit: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None] = mapped_column()  # tombstone
    # The bill of quantities (migration 0130): the title it stands under, its ordinal number,
    # its item type (services.bill.ItemType), texts and the bidder's fields to fill in.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("bill_sections.id"))
    oz: Mapped[str | None] = mapped_column(String(32))
    item_type: Mapped[str] = mapped_column(String(24), default="normal")
    alternative_group: Mapped[str | None] = mapped_column(String(4))
    long_text: Mapped[str | None] = mapped_column(Text)
    quantity_tbd: Mapped[bool] = mapped_column(default=False)
    # [{"mark": "1", "label": "Fabrikat"}, ...]: what the bidder is asked to name.
    bidder_fields: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)


class Bill(Base):
    """A workpackage's bill of quantities as a whole: its name, numbering mask and the labels of
    the unit-price components it asks for (at most six)."""

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    workpackage_id: Mapped[int] = mapped_column(ForeignKey("workpackages.id"), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # [{"type": "Lot"|"BoQLevel"|"Item"|"Index", "length": n}, ...] in OZ order.
    numbering: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    up_component_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(16))  # "x83", "x81", "xlsx", "migrated"
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class BillSection(Base):
    """A lot or a (nested) title of a bill; budget lines reference the title they stand under."""

    __tablename__ = "bill_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    workpackage_id: Mapped[int] = mapped_column(ForeignKey("workpackages.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("bill_sections.id"))
    kind: Mapped[str] = mapped_column(String(8))  # "lot" or "title"
    rno: Mapped[str] = mapped_column(String(16))  # its own part of the OZ, e.g. "02"
    label: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class Rfp(Timestamps, Base):
    """The invitation of one subcontractor company to one workpackage.

    ``updated_at`` moves whenever anything an integrator syncs changes underneath: a price, a
    document, a message, a proposal, the shared status.
    """

    __tablename__ = "rfps"
    __table_args__ = (
        UniqueConstraint("workpackage_id", "company_id", name="uq_rfps_workpackage_company"),
        Index("ix_rfps_company_updated", "company_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workpackage_id: Mapped[int] = mapped_column(ForeignKey("workpackages.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))  # the subcontractor
    contractor_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    invited_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    status: Mapped[RfpStatus] = mapped_column(_enum(RfpStatus, "rfp_status"),
                                              default=RfpStatus.UNKNOWN)
    status_shared: Mapped[bool] = mapped_column(default=False)
    response: Mapped[RfpResponse | None] = mapped_column(_enum(RfpResponse, "rfp_response"))
    response_note: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column()
    responded_by_name: Mapped[str | None] = mapped_column(String(200))
    forwarded_to_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    forwarded_rfp_id: Mapped[int | None] = mapped_column(ForeignKey("rfps.id"))
    forwarded_from_rfp_id: Mapped[int | None] = mapped_column(ForeignKey("rfps.id"))
    forwarded_at: Mapped[datetime | None] = mapped_column()
    # What the forwarding company wrote to its partner; the partner reads it on its own RFP.
    forward_message: Mapped[str | None] = mapped_column(Text)
    invited_at: Mapped[datetime] = mapped_column()
    # When the subcontractor first read the RFP (contractor's status board); not part of its sync.
    opened_at: Mapped[datetime | None] = mapped_column()
    # The structured award outcome the subcontractor sees: awarded, not_awarded or cancelled.
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reason: Mapped[str | None] = mapped_column(Text)  # only this RFP's company sees it
    outcome_rank: Mapped[int | None] = mapped_column()
    outcome_at: Mapped[datetime | None] = mapped_column()

    workpackage: Mapped[Workpackage] = relationship()
    project: Mapped[Project] = relationship()
    company: Mapped[Company] = relationship(foreign_keys=[company_id])
    contractor: Mapped[Company] = relationship(foreign_keys=[contractor_company_id])


class PriceEntry(Base):
    """A subcontractor's draft price for a budget line, or an extra row of their own."""

    __tablename__ = "price_entries"
    __table_args__ = (UniqueConstraint("rfp_id", "budget_line_id", name="uq_price_entries_rfp_line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(ForeignKey("rfps.id"), index=True)
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"))
    # Extra rows (budget_line_id is NULL) carry their own description, quantity and unit.
    description: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 3))
    unit: Mapped[str | None] = mapped_column(String(32))
    unit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 2))
    total_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 2))
    included: Mapped[bool] = mapped_column(default=True)
    # The estimator's own remark on the line (the web pricing grid); not part of a proposal.
    note: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()  # tombstone for removed extra rows
    # Unit-price components (as decimal strings, the bill's order) and the bidder's answers to
    # the line's bidder fields ({mark: text}); both from an X84 upload or a spreadsheet.
    up_components: Mapped[list[str] | None] = mapped_column(JSON)
    bidder_texts: Mapped[dict[str, str] | None] = mapped_column(JSON)
