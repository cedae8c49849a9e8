"""addenda, acknowledgements, questions, sealed opening and award outcomes

Revision ID: 0140
Revises: 0125
Create Date: 2026-12-01 11:00:00

Existing rows carry forward: no workpackage is sealed, every proposal was submitted before any
addendum (number 0, so none needs reconfirmation), and no RFP has an outcome yet — an RFP
already awarded or not awarded gets that outcome, so getRfp tells the same story as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bidbridge.db

revision: str = "0140"
down_revision: str | None = "0130"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "addenda",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workpackage_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("previous_deadline", bidbridge.db.UTCDateTime(), nullable=True),
        sa.Column("new_deadline", bidbridge.db.UTCDateTime(), nullable=True),
        sa.Column("published_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["workpackage_id"], ["workpackages.id"],
                                name=op.f("fk_addenda_workpackage_id_workpackages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addenda")),
        sa.UniqueConstraint("workpackage_id", "number", name="uq_addenda_workpackage_number"),
    )
    op.create_table(
        "addendum_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column("addendum_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["addendum_id"], ["addenda.id"],
                                name=op.f("fk_addendum_acknowledgements_addendum_id_addenda")),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfps.id"],
                                name=op.f("fk_addendum_acknowledgements_rfp_id_rfps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addendum_acknowledgements")),
        sa.UniqueConstraint("rfp_id", "addendum_id", name="uq_addendum_acknowledgements_rfp_id"),
    )
    op.create_index(op.f("ix_addendum_acknowledgements_addendum_id"),
                    "addendum_acknowledgements", ["addendum_id"])
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workpackage_id", sa.Integer(), nullable=False),
        sa.Column("rfp_id", sa.Integer(), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_by_name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.Enum("open", "answered", "declined", name="question_state",
                                   native_enum=False, create_constraint=True, length=32),
                  nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", bidbridge.db.UTCDateTime(), nullable=True),
        sa.Column("answered_by_name", sa.String(length=200), nullable=True),
        sa.Column("addendum_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["addendum_id"], ["addenda.id"],
                                name=op.f("fk_questions_addendum_id_addenda")),
        sa.ForeignKeyConstraint(["budget_line_id"], ["budget_lines.id"],
                                name=op.f("fk_questions_budget_line_id_budget_lines")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_questions_document_id_documents")),
        sa.ForeignKeyConstraint(["duplicate_of_id"], ["questions.id"],
                                name=op.f("fk_questions_duplicate_of_id_questions")),
        sa.ForeignKeyConstraint(["rfp_id"], ["rfps.id"], name=op.f("fk_questions_rfp_id_rfps")),
        sa.ForeignKeyConstraint(["workpackage_id"], ["workpackages.id"],
                                name=op.f("fk_questions_workpackage_id_workpackages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index("ix_questions_workpackage_id_id", "questions", ["workpackage_id", "id"])
    op.create_index(op.f("ix_questions_rfp_id"), "questions", ["rfp_id"])
    op.create_table(
        "bid_openings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workpackage_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_by_name", sa.String(length=200), nullable=False),
        sa.Column("bid_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["workpackage_id"], ["workpackages.id"],
                                name=op.f("fk_bid_openings_workpackage_id_workpackages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_openings")),
        sa.UniqueConstraint("workpackage_id", name=op.f("uq_bid_openings_workpackage_id")),
    )
    # Plain ALTER TABLE ADD COLUMN on SQLite too: recreating a referenced table is refused there
    # while foreign keys are enforced.
    with op.batch_alter_table("workpackages", recreate="never") as batch:
        batch.add_column(sa.Column("sealed", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("proposals", recreate="never") as batch:
        batch.add_column(sa.Column("addendum_number", sa.Integer(), nullable=False,
                                   server_default=sa.text("0")))
    with op.batch_alter_table("rfps", recreate="never") as batch:
        batch.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("outcome_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("outcome_rank", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("outcome_at", bidbridge.db.UTCDateTime(), nullable=True))
    op.execute("UPDATE rfps SET outcome = status, outcome_at = updated_at "
               "WHERE status IN ('awarded', 'not_awarded')")


def downgrade() -> None:
    with op.batch_alter_table("rfps", recreate="never") as batch:
        batch.drop_column("outcome_at")
        batch.drop_column("outcome_rank")
        batch.drop_column("outcome_reason")
        batch.drop_column("outcome")
    with op.batch_alter_table("proposals", recreate="never") as batch:
        batch.drop_column("addendum_number")
    with op.batch_alter_table("workpackages", recreate="never") as batch:
        batch.drop_column("sealed")
    op.drop_table("bid_openings")
    op.drop_index(op.f("ix_questions_rfp_id"), table_name="questions")
    op.drop_index("ix_questions_workpackage_id_id", table_name="questions")
    op.drop_table("questions")
    op.drop_index(op.f("ix_addendum_acknowledgements_addendum_id"),
                  table_name="addendum_acknowledgements")
    op.drop_table("addendum_acknowledgements")
    op.drop_table("addenda")
