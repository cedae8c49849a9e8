"""Tender changes and the conversation around them: addenda, their acknowledgements, questions
and the recorded opening of a sealed workpackage."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from bidbridge.models.accounts import _enum
from bidbridge.models.base import Base


class Addendum(Base):
    """A numbered change to a workpackage's tender (1, 2, …); locked once published.

    ``changes`` records what the addendum did, as published: the budget-line changes
    (``lines``: added / removed / changed with the fields before and after), the documents it
    adds or replaces (``documents``: id, version, name) and the deadline move (``deadline``).
    """

    __tablename__ = "addenda"
    __table_args__ = (UniqueConstraint("workpackage_id", "number",
                                       name="uq_addenda_workpackage_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workpackage_id: Mapped[int] = mapped_column(ForeignKey("workpackages.id"))
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    previous_deadline: Mapped[datetime | None] = mapped_column()
    new_deadline: Mapped[datetime | None] = mapped_column()
    published_at: Mapped[datetime] = mapped_column()
    published_by_id: Mapped[int | None] = mapped_column()
    published_by_name: Mapped[str] = mapped_column(String(200))


@event.listens_for(Addendum, "before_update")
def _locked_update(_mapper: Any, _connection: Any, target: Addendum) -> None:
    raise RuntimeError(f"addendum {target.id} is published and locked; publish another instead")


@event.listens_for(Addendum, "before_delete")
def _locked_delete(_mapper: Any, _connection: Any, target: Addendum) -> None:
    raise RuntimeError(f"addendum {target.id} is published and locked; it is never deleted")


class AddendumAcknowledgement(Base):
    """A subcontractor (through one RFP) confirming it has read an addendum."""

    __tablename__ = "addendum_acknowledgements"
    __table_args__ = (UniqueConstraint("rfp_id", "addendum_id",
                                       name="uq_addendum_acknowledgements_rfp_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(ForeignKey("rfps.id"))
    addendum_id: Mapped[int] = mapped_column(ForeignKey("addenda.id"), index=True)
    acknowledged_at: Mapped[datetime] = mapped_column()
    acknowledged_by_id: Mapped[int | None] = mapped_column()
    acknowledged_by_name: Mapped[str] = mapped_column(String(200))


class QuestionState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    DECLINED = "declined"  # as a duplicate of another question


class Question(Base):
    """A bidder's question on an RFP; its answer goes to every invitee, the asker unnamed."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_workpackage_id_id", "workpackage_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workpackage_id: Mapped[int] = mapped_column(ForeignKey("workpackages.id"))
    rfp_id: Mapped[int] = mapped_column(ForeignKey("rfps.id"), index=True)  # the asker's
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    text: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column()
    asked_by_id: Mapped[int | None] = mapped_column()
    asked_by_name: Mapped[str] = mapped_column(String(200))
    state: Mapped[QuestionState] = mapped_column(_enum(QuestionState, "question_state"),
                                                 default=QuestionState.OPEN)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column()
    answered_by_name: Mapped[str | None] = mapped_column(String(200))
    addendum_id: Mapped[int | None] = mapped_column(ForeignKey("addenda.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))


class BidOpening(Base):
    """The one recorded opening of a sealed workpackage's bids, after its deadline."""

    __tablename__ = "bid_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    workpackage_id: Mapped[int] = mapped_column(ForeignKey("workpackages.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column()
    opened_by_id: Mapped[int | None] = mapped_column()
    opened_by_name: Mapped[str] = mapped_column(String(200))
    bid_count: Mapped[int] = mapped_column()
