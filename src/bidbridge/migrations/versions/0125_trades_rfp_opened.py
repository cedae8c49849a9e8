"""companies.trades (found by trade when inviting) and rfps.opened_at (the status board's "opened")

Revision ID: 0125
Revises: 0100
Create Date: 2026-12-01 08:00:00

Existing rows carry forward as they are: no trades given yet, and no RFP known to be opened.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bidbridge.db

revision: str = "0125"
down_revision: str | None = "0120"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("trades", sa.String(length=300), nullable=True))
    with op.batch_alter_table("rfps") as batch:
        batch.add_column(sa.Column("opened_at", bidbridge.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rfps") as batch:
        batch.drop_column("opened_at")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("trades")
