"""message reads (unread messages in the web app) and a note per price entry (the pricing grid)

Revision ID: 0120
Revises: 0100
Create Date: 2026-12-01 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bidbridge.db

revision: str = "0120"
down_revision: str | None = "0110"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new table only: existing messages simply count as unread until someone opens the thread.
    op.create_table(
        "message_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column("last_read_message_id", sa.Integer(), nullable=False),
        sa.Column("read_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"],
                                name=op.f("fk_message_reads_contact_id_contacts")),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfps.id"],
                                name=op.f("fk_message_reads_rfp_id_rfps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_reads")),
        sa.UniqueConstraint("contact_id", "rfp_id", name="uq_message_reads_contact_rfp"),
    )
    with op.batch_alter_table("message_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_reads_rfp_id"), ["rfp_id"], unique=False)
    # Existing entries simply have no note.
    with op.batch_alter_table("price_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("price_entries", schema=None) as batch_op:
        batch_op.drop_column("note")
    with op.batch_alter_table("message_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_reads_rfp_id"))
    op.drop_table("message_reads")
