"""Migration 0130 carries today's budget lines forward, on both databases: each workpackage's
lines become normal items under one title, numbered in their order; deleted lines too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData, Table, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bidbridge.db import make_engine
from bidbridge.migrate import upgrade
from bidbridge.models import CompanyKind
from tests.conftest import POSTGRES_URL

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def fresh_url(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    name = f"bidbridge_migration_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_existing_lines_become_normal_items_under_one_title(fresh_url):
    upgrade(fresh_url, "0125")
    engine = make_engine(fresh_url)
    stamps = {"created_at": NOW, "updated_at": NOW}
    with engine.begin() as conn:
        # The tables as they are at 0125 (the models already have later migrations' columns).
        lines, companies, projects, workpackages = (
            Table(name, MetaData(), autoload_with=conn)
            for name in ("budget_lines", "companies", "projects", "workpackages"))
        gc = conn.execute(insert(companies).values(kind=CompanyKind.CONTRACTOR.value, name="GC",
                                                   country_code="NL", **stamps)
                          .returning(companies.c.id)).scalar_one()
        project = conn.execute(insert(projects).values(company_id=gc, name="P", status="active",
                                                       **stamps)
                               .returning(projects.c.id)).scalar_one()
        wps = [conn.execute(insert(workpackages).values(project_id=project, name=f"W{i}",
                                                        **stamps)
                            .returning(workpackages.c.id)).scalar_one() for i in range(2)]
        naive = NOW.replace(tzinfo=None)
        for position, (wp, description, deleted) in enumerate(
                [(wps[0], "b", False), (wps[0], "a", True), (wps[1], "c", False)]):
            conn.execute(insert(lines).values(
                workpackage_id=wp, code=None, description=description, quantity="1.000",
                unit="m2", position=2 - position if wp == wps[0] else 0,
                deleted_at=naive if deleted else None, created_at=naive, updated_at=naive))
    upgrade(fresh_url, "head")
    with engine.connect() as conn:
        meta = MetaData()
        lines = Table("budget_lines", meta, autoload_with=conn)
        sections = Table("bill_sections", meta, autoload_with=conn)
        rows = conn.execute(select(lines.c.workpackage_id, lines.c.description, lines.c.oz,
                                   lines.c.item_type, lines.c.quantity_tbd, sections.c.rno,
                                   sections.c.kind)
                            .join(sections, sections.c.id == lines.c.section_id)
                            .order_by(lines.c.workpackage_id, lines.c.oz)).all()
        bills = conn.execute(text("SELECT workpackage_id, source FROM bills "
                                  "ORDER BY workpackage_id")).all()
    engine.dispose()
    # In their order (position): "a" (deleted, position 1) before "b" (position 2).
    assert [tuple(r) for r in rows] == [
        (wps[0], "a", "01.0010", "normal", False, "01", "title"),
        (wps[0], "b", "01.0020", "normal", False, "01", "title"),
        (wps[1], "c", "01.0010", "normal", False, "01", "title")]
    assert [tuple(b) for b in bills] == [(wps[0], "migrated"), (wps[1], "migrated")]
