"""hardening: one e-mail namespace, server-side browser sessions, two-factor login, dead tokens

Revision ID: 0110
Revises: 0100
Create Date: 2026-12-01 08:00:00

Existing data is carried forward. E-mail addresses are lower-cased and trimmed. Where two
accounts share an address in any case, one keeps it: a support account before any contact (a
contact can be created by a contractor's invitation, so a clash is most likely that attack),
otherwise the oldest account (lowest id). Every other account of that address is renamed to
``clash-<kind>-<id>@email-clash.invalid`` (RFC 2606: never deliverable, never a real login)
and an audit event ``account.email_clash_renamed`` records its former address, so support
can give it a new one. Existing browser cookies carry no server-side session and so end:
everyone logs in again once.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import bidbridge.db

revision: str = "0110"
down_revision: str | None = "0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = {"contact": "contacts", "support": "support_users"}

_PG_FUNCTION = """
CREATE FUNCTION account_emails_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO account_emails (email, account_kind, account_id)
    VALUES (lower(NEW.email), TG_ARGV[0], NEW.id);
  ELSIF TG_OP = 'UPDATE' THEN
    IF NEW.email IS DISTINCT FROM OLD.email THEN
      UPDATE account_emails SET email = lower(NEW.email)
      WHERE account_kind = TG_ARGV[0] AND account_id = NEW.id;
    END IF;
  ELSE
    DELETE FROM account_emails WHERE account_kind = TG_ARGV[0] AND account_id = OLD.id;
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$
"""


def _sqlite_triggers(kind: str, table: str) -> list[str]:
    return [
        f"CREATE TRIGGER trg_{table}_email_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO account_emails (email, account_kind, account_id) "
        f"VALUES (lower(NEW.email), '{kind}', NEW.id); END",
        f"CREATE TRIGGER trg_{table}_email_update AFTER UPDATE OF email ON {table} BEGIN "
        f"UPDATE account_emails SET email = lower(NEW.email) "
        f"WHERE account_kind = '{kind}' AND account_id = NEW.id; END",
        f"CREATE TRIGGER trg_{table}_email_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM account_emails WHERE account_kind = '{kind}' AND account_id = OLD.id; END",
    ]


def _carry_emails_forward(conn: sa.Connection) -> None:
    rows = []
    for kind, table in _TABLES.items():
        company = "company_id" if kind == "contact" else "NULL"
        for row in conn.execute(sa.text(f"SELECT id, email, {company} FROM {table}")):
            rows.append((kind, row[0], row[1], row[2]))
    # Support first, then the oldest: the first account of each address keeps it.
    rows.sort(key=lambda r: (r[0] != "support", r[1]))
    kept: set[str] = set()
    renamed, normalised = [], []
    for kind, account_id, email, company_id in rows:
        wanted = email.strip().lower()
        if wanted in kept:
            renamed.append((kind, account_id, email, company_id))
        else:
            kept.add(wanted)
            if wanted != email:
                normalised.append((kind, account_id, wanted))
    now = datetime.now(UTC)
    for kind, account_id, email, company_id in renamed:  # first, to free the addresses
        conn.execute(sa.text(f"UPDATE {_TABLES[kind]} SET email = :e WHERE id = :i"),
                     {"e": f"clash-{kind}-{account_id}@email-clash.invalid", "i": account_id})
        event = sa.text(
            "INSERT INTO audit_events (occurred_at, event, company_id, actor_kind, actor_id, "
            "actor_name, target_type, target_id, target_label, request_id, client_ip, data) "
            "VALUES (:at, 'account.email_clash_renamed', :company, 'system', NULL, "
            "'migration 0110', :target, :id, NULL, NULL, NULL, :data)"
        ).bindparams(sa.bindparam("at", type_=bidbridge.db.UTCDateTime()),
                     sa.bindparam("data", type_=sa.JSON()))
        conn.execute(event, {"at": now, "company": company_id, "id": account_id,
                             "target": "contact" if kind == "contact" else "support_user",
                             "data": {"previousEmail": email,
                                      "reason": "another account holds this address"}})
    for kind, account_id, wanted in normalised:
        conn.execute(sa.text(f"UPDATE {_TABLES[kind]} SET email = :e WHERE id = :i"),
                     {"e": wanted, "i": account_id})
    for kind, table in _TABLES.items():
        conn.execute(sa.text(f"INSERT INTO account_emails (email, account_kind, account_id) "
                             f"SELECT lower(email), '{kind}', id FROM {table}"))


def upgrade() -> None:
    op.create_table(
        "account_emails",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("account_kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("account_kind IN ('contact', 'support')",
                           name=op.f("ck_account_emails_account_kind")),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_account_emails")),
        sa.UniqueConstraint("account_kind", "account_id", name="uq_account_emails_account"),
    )
    conn = op.get_bind()
    _carry_emails_forward(conn)
    if conn.dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for kind, table in _TABLES.items():
            op.execute(f"CREATE TRIGGER trg_{table}_account_email AFTER INSERT OR UPDATE OF "
                       f"email OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION "
                       f"account_emails_sync('{kind}')")
    else:
        for kind, table in _TABLES.items():
            for statement in _sqlite_triggers(kind, table):
                op.execute(statement)

    op.create_table(
        "browser_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("account_kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("created_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", bidbridge.db.UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.CheckConstraint("account_kind IN ('contact', 'support')",
                           name=op.f("ck_browser_sessions_account_kind")),
        sa.CheckConstraint("stage IN ('active', 'needs_code', 'needs_enrolment')",
                           name=op.f("ck_browser_sessions_stage")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_browser_sessions")),
        sa.UniqueConstraint("key_digest", name=op.f("uq_browser_sessions_key_digest")),
    )
    op.create_index("ix_browser_sessions_account", "browser_sessions",
                    ["account_kind", "account_id"], unique=False)

    op.create_table(
        "two_factor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("secret_sealed", sa.String(length=400), nullable=False),
        sa.Column("confirmed_at", bidbridge.db.UTCDateTime(), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.Column("recovery_digests", sa.JSON(), nullable=False),
        sa.Column("created_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bidbridge.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("account_kind IN ('contact', 'support')",
                           name=op.f("ck_two_factor_account_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_factor")),
        sa.UniqueConstraint("account_kind", "account_id", name="uq_two_factor_account"),
    )
    # Plain ALTER TABLE ADD COLUMN on SQLite too: recreating a referenced table is refused there
    # while foreign keys are enforced.
    with op.batch_alter_table("companies", recreate="never") as batch:
        batch.add_column(sa.Column("two_factor_required", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("api_tokens", recreate="never") as batch:
        batch.add_column(sa.Column("revoked_at", bidbridge.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("two_factor_required")
    op.drop_table("two_factor")
    op.drop_index("ix_browser_sessions_account", table_name="browser_sessions")
    op.drop_table("browser_sessions")
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES.values():
            op.execute(f"DROP TRIGGER trg_{table}_account_email ON {table}")
        op.execute("DROP FUNCTION account_emails_sync()")
    else:
        for table in _TABLES.values():
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER trg_{table}_email_{action}")
    op.drop_table("account_emails")
