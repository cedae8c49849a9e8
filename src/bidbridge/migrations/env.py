"""Alembic environment: the URL comes from the caller's config or from BIDBRIDGE_* settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bidbridge.db import make_engine
from bidbridge.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from bidbridge.config import Settings

        url = Settings().database_url
    engine = make_engine(url, pool=False)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `bidbridge db upgrade`")
run()
