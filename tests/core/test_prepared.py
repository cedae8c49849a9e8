"""Prepared statements (bidbridge/prepared.py) read rows exactly as Core does: the same values
of the same types — aware UTC datetimes, enum members, exact decimals, NULLs — with the cheaper
result processors, and an enum value the model does not know is refused as Core refuses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import bindparam, literal_column, or_, select, update

from bidbridge.models import BudgetLine, Project, Rfp, RfpResponse, RfpStatus, Workpackage
from bidbridge.prepared import Prepared, result_processor
from tests.tendering.sub.support import signed_in
from tests.tendering_factory import tender

_COLUMNS = (Rfp.id, Rfp.status, Rfp.response, Rfp.updated_at, Rfp.opened_at, Rfp.responded_at,
            Rfp.outcome, Project.name, Project.deadline_date, Workpackage.deadline,
            BudgetLine.quantity, BudgetLine.deleted_at, BudgetLine.quantity_tbd,
            BudgetLine.bidder_fields)
_STATEMENT = (select(*_COLUMNS)
              .join(Project, Project.id == Rfp.project_id)
              .join(Workpackage, Workpackage.id == Rfp.workpackage_id)
              .outerjoin(BudgetLine, BudgetLine.workpackage_id == Rfp.workpackage_id)
              .where(Rfp.company_id == bindparam("company_id"))
              .order_by(Rfp.id, BudgetLine.id))


def test_a_prepared_row_reads_as_cores(factory, client, backend):
    first = signed_in(factory, client)
    t = tender(factory, [first.setup], lines=2, workpackage_deadline_in=timedelta(days=3))
    rfp = t.rfp_for(first.setup)
    with factory.runtime.engine.begin() as conn:  # one row with values, the others NULL
        conn.execute(update(Rfp).where(Rfp.id == rfp.id).values(
            response=RfpResponse.CALCULATE, responded_at=factory.runtime.clock.now()))
    prepared = Prepared(_STATEMENT)
    with factory.runtime.engine.connect() as conn:
        core = conn.execute(_STATEMENT, {"company_id": first.setup.company.id}).all()
        for _ in range(2):  # the first read learns the processors, the second uses them
            rows = prepared.rows(conn, company_id=first.setup.company.id)
            assert [tuple(r) for r in rows] == [tuple(r) for r in core]
            assert [[type(v) for v in r] for r in rows] == [[type(v) for v in r] for r in core]
    values = [v for r in rows for v in r]
    assert None in values and RfpResponse.CALCULATE in values
    assert all(v.utcoffset() == timedelta(0) for v in values if hasattr(v, "utcoffset"))


def test_an_enum_value_the_model_does_not_know_is_refused(factory, backend):
    """(Such a value cannot be written past the CHECK constraint; read back, it must not pass.)"""
    dialect = factory.runtime.engine.dialect
    type_ = Rfp.__table__.c.status.type
    ours = result_processor(type_, dialect, None)
    cores = type_._cached_result_processor(dialect, None)
    assert ours is not None and cores is not None
    assert ours("calculating") is cores("calculating") is RfpStatus.CALCULATING
    assert ours(None) is cores(None) is None
    for process in (ours, cores):
        with pytest.raises(LookupError):
            process("no_such_status")


def test_a_statement_with_a_literal_percent_and_a_parameter_used_twice_reads_as_cores(
        factory, client, backend):
    """On psycopg the statement runs with PostgreSQL's own ``$n`` placeholders (prepared.py):
    a literal ``%`` stays one, a parameter used twice is one placeholder."""
    first = signed_in(factory, client)
    t = tender(factory, [first.setup])
    company = bindparam("company_id")
    statement = (select(Rfp.id, literal_column("'100%'").label("share"),
                        Project.name.like(bindparam("pattern")).label("matches"))
                 .join(Project, Project.id == Rfp.project_id)
                 .where(or_(Rfp.company_id == company, Project.company_id == company)))
    with factory.runtime.engine.connect() as conn:
        params = {"company_id": first.setup.company.id, "pattern": "%"}
        core = conn.execute(statement, params).all()
        rows = Prepared(statement).rows(conn, **params)
    assert [tuple(r) for r in rows] == [tuple(r) for r in core]
    assert [tuple(r) for r in rows] == [(t.rfp_for(first.setup).id, "100%", True)]
