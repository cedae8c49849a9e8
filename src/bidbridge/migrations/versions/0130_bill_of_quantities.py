"""Budget lines become a bill of quantities: lots and titles (bill_sections), the bill's own
settings (bills), and per line the OZ, item type, long text, quantity-to-be-determined flag and
bidder fields; per price entry the unit-price components and the bidder's texts.

Revision ID: 0130
Revises: 0125
Create Date: 2026-12-01 11:00:00

Existing lines carry forward as normal items under one title ("01") per workpackage, numbered
01.0010, 01.0020, … in their current order (deleted lines keep a number too, so that an OZ is
never given twice within a workpackage).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import bidbridge.db

revision: str = "0130"
down_revision: str | None = "0125"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The numbering mask of a migrated bill: a two-digit title, a four-digit item.
MIGRATED_MASK = [{"type": "BoQLevel", "length": 2}, {"type": "Item", "length": 4}]


def upgrade() -> None:
    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workpackage_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("numbering", sa.JSON(), nullable=False),
        sa.Column("up_component_labels", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("created_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["workpackage_id"], ["workpackages.id"],
                                name=op.f("fk_bills_workpackage_id_workpackages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sa.UniqueConstraint("workpackage_id", name=op.f("uq_bills_workpackage_id")),
    )
    op.create_table(
        "bill_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workpackage_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("rno", sa.String(length=16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("deleted_at", bidbridge.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["workpackage_id"], ["workpackages.id"],
                                name=op.f("fk_bill_sections_workpackage_id_workpackages")),
        sa.ForeignKeyConstraint(["parent_id"], ["bill_sections.id"],
                                name=op.f("fk_bill_sections_parent_id_bill_sections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_sections")),
    )
    with op.batch_alter_table("bill_sections") as batch:
        batch.create_index(batch.f("ix_bill_sections_workpackage_id"), ["workpackage_id"])
    with op.batch_alter_table("budget_lines") as batch:
        batch.add_column(sa.Column("section_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("oz", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("item_type", sa.String(length=24), nullable=False,
                                   server_default="normal"))
        batch.add_column(sa.Column("alternative_group", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("long_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("quantity_tbd", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("bidder_fields", sa.JSON(), nullable=True))
        batch.create_foreign_key(batch.f("fk_budget_lines_section_id_bill_sections"),
                                 "bill_sections", ["section_id"], ["id"])
    with op.batch_alter_table("price_entries") as batch:
        batch.add_column(sa.Column("up_components", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("bidder_texts", sa.JSON(), nullable=True))
    _carry_lines_forward()


def _carry_lines_forward() -> None:
    conn = op.get_bind()
    meta = sa.MetaData()
    lines = sa.Table("budget_lines", meta, autoload_with=conn)
    sections = sa.Table("bill_sections", meta, autoload_with=conn)
    bills = sa.Table("bills", meta, autoload_with=conn)
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = conn.execute(sa.select(lines.c.id, lines.c.workpackage_id)
                        .order_by(lines.c.workpackage_id, lines.c.position, lines.c.id)).all()
    by_wp: dict[int, list[int]] = {}
    for line_id, wp_id in rows:
        by_wp.setdefault(wp_id, []).append(line_id)
    for wp_id, line_ids in by_wp.items():
        # Steps of ten leave room to insert items; a very long bill is numbered 1, 2, 3, ….
        step = 10 if len(line_ids) * 10 <= 9999 else 1
        width = max(4, len(str(len(line_ids) * step)))
        mask = [MIGRATED_MASK[0], {"type": "Item", "length": width}]
        conn.execute(bills.insert().values(workpackage_id=wp_id, name=None, numbering=mask,
                                           up_component_labels=[], source="migrated",
                                           created_at=now, updated_at=now))
        section_id = conn.execute(sections.insert().values(
            workpackage_id=wp_id, parent_id=None, kind="title", rno="01", label="Budget lines",
            position=0, created_at=now, updated_at=now).returning(sections.c.id)).scalar_one()
        for n, line_id in enumerate(line_ids, start=1):
            conn.execute(lines.update().where(lines.c.id == line_id).values(
                section_id=section_id, oz=f"01.{n * step:0{width}d}", item_type="normal"))


def downgrade() -> None:
    with op.batch_alter_table("price_entries") as batch:
        batch.drop_column("bidder_texts")
        batch.drop_column("up_components")
    with op.batch_alter_table("budget_lines") as batch:
        batch.drop_constraint("fk_budget_lines_section_id_bill_sections", type_="foreignkey")
        for name in ("bidder_fields", "quantity_tbd", "long_text", "alternative_group",
                     "item_type", "oz", "section_id"):
            batch.drop_column(name)
    with op.batch_alter_table("bill_sections") as batch:
        batch.drop_index(batch.f("ix_bill_sections_workpackage_id"))
    op.drop_table("bill_sections")
    op.drop_table("bills")
