"""Unread messages: the other company's messages on an RFP newer than what a person last read."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bidbridge.models import Message, MessageRead
from bidbridge.services.context import RequestContext


def last_read(session: Session, contact_id: int, rfp_id: int) -> int:
    """The id of the last message this person has seen on the RFP (0: none yet)."""
    found = session.scalar(select(MessageRead.last_read_message_id).where(
        MessageRead.contact_id == contact_id, MessageRead.rfp_id == rfp_id))
    return found or 0


def mark_read(session: Session, ctx: RequestContext, contact_id: int, rfp_id: int,
              upto_message_id: int) -> None:
    """Everything up to ``upto_message_id`` has been shown to the person (never moves back).
    Reading is not an act on the tender: it is not audited."""
    row = session.scalar(select(MessageRead).where(MessageRead.contact_id == contact_id,
                                                   MessageRead.rfp_id == rfp_id))
    if row is None:
        session.add(MessageRead(contact_id=contact_id, rfp_id=rfp_id,
                                last_read_message_id=upto_message_id, read_at=ctx.now()))
    elif upto_message_id > row.last_read_message_id:
        row.last_read_message_id = upto_message_id
        row.read_at = ctx.now()
    session.flush()


def unread_counts(session: Session, contact_id: int, company_id: int, rfp_ids: list[int]
                  ) -> dict[int, int]:
    """RFP id -> number of messages from the other side this person has not seen yet."""
    if not rfp_ids:
        return {}
    query = (
        select(Message.rfp_id, func.count())
        .outerjoin(MessageRead, and_(MessageRead.rfp_id == Message.rfp_id,
                                     MessageRead.contact_id == contact_id))
        .where(Message.rfp_id.in_(rfp_ids), Message.author_company_id != company_id,
               Message.id > func.coalesce(MessageRead.last_read_message_id, 0))
        .group_by(Message.rfp_id))
    return {rfp_id: count for rfp_id, count in session.execute(query)}
