"""How far each person has read each RFP's message thread: what is unread is newer than that."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bidbridge.models.base import Base


class MessageRead(Base):
    """One row per contact and RFP; messages of the other company with a larger id are unread."""

    __tablename__ = "message_reads"
    __table_args__ = (UniqueConstraint("contact_id", "rfp_id", name="uq_message_reads_contact_rfp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    rfp_id: Mapped[int] = mapped_column(ForeignKey("rfps.id"), index=True)
    last_read_message_id: Mapped[int] = mapped_column()
    read_at: Mapped[datetime] = mapped_column()
