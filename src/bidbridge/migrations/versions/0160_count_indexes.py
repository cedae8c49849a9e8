"""indexes that answer getRfp's counts alone: live budget lines and tender documents

Revision ID: 0160
Revises: 0150
Create Date: 2026-12-02 06:00:00

getRfp counts the workpackage's live budget lines and the RFP's live tender documents on every
call. The single-column indexes found the rows, then read each row for its ``deleted_at``; with
``deleted_at`` in the index the count reads the index only. Each new index leads with the old
one's column, so it serves every lookup the old one did, and the old one goes. No data changes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0160"
down_revision: str | None = "0150"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.create_index("ix_budget_lines_workpackage_id_deleted_at",
                              ["workpackage_id", "deleted_at"], unique=False)
        batch_op.drop_index("ix_budget_lines_workpackage_id")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_workpackage_id_deleted_at",
                              ["workpackage_id", "deleted_at"], unique=False)
        batch_op.create_index("ix_documents_project_id_workpackage_id_deleted_at",
                              ["project_id", "workpackage_id", "deleted_at"], unique=False)
        batch_op.drop_index("ix_documents_workpackage_id")
        batch_op.drop_index("ix_documents_project_id")


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_project_id", ["project_id"], unique=False)
        batch_op.create_index("ix_documents_workpackage_id", ["workpackage_id"], unique=False)
        batch_op.drop_index("ix_documents_project_id_workpackage_id_deleted_at")
        batch_op.drop_index("ix_documents_workpackage_id_deleted_at")
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.create_index("ix_budget_lines_workpackage_id", ["workpackage_id"], unique=False)
        batch_op.drop_index("ix_budget_lines_workpackage_id_deleted_at")
