"""Bringing a database's schema up to date with the Alembic migrations shipped in the package.

Alembic (with Mako) loads when a function here runs, not with the `bidbridge` command: each
worker process of `bidbridge serve` imports the command's module without ever migrating.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    from alembic import command

    command.revision(alembic_config(url), message=message, autogenerate=True)


def pending(url: str) -> list[str]:
    """Revisions the database still lacks, oldest last (empty when its schema is current)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    script = ScriptDirectory.from_config(alembic_config(url))
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    if current == set(script.get_heads()):
        return []
    lower = tuple(current) if current else "base"
    return [rev.revision for rev in script.iterate_revisions("heads", lower)
            if rev.revision not in current]
