"""One e-mail namespace across contacts and support accounts, in any case, held by the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bidbridge.errors import Conflict
from bidbridge.models import AccountEmail, Contact, ContactRole, ContactType, SupportUser
from bidbridge.services import accounts
from tests.factories import unique

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _raw_contact(company_id: int, email: str) -> Contact:
    return Contact(company_id=company_id, name="Raw", email=email, password_hash=None,
                   role=ContactRole.USER, contact_type=ContactType.OTHER, active=True,
                   created_at=NOW, updated_at=NOW)


def test_the_database_refuses_a_contact_with_a_support_address_in_another_case(factory, runtime):
    support = factory.support_user()
    setup = factory.company(api=False)
    with runtime.sessions() as s, s.begin(), pytest.raises(IntegrityError):
        s.add(_raw_contact(setup.company.id, support.email.upper()))
        s.flush()


def test_the_database_refuses_a_support_account_with_a_contacts_address(factory, runtime):
    setup = factory.company(api=False)
    with runtime.sessions() as s, s.begin(), pytest.raises(IntegrityError):
        s.add(SupportUser(name="Raw", email=setup.admin.email.title(), password_hash="x",
                          active=True, created_at=NOW, updated_at=NOW))
        s.flush()


def test_the_database_refuses_two_contacts_differing_only_in_case(factory, runtime):
    setup = factory.company(api=False)
    with runtime.sessions() as s, s.begin(), pytest.raises(IntegrityError):
        s.add(_raw_contact(setup.company.id, setup.admin.email.upper()))
        s.flush()


def test_changing_an_address_moves_it_in_the_namespace(factory, runtime):
    setup = factory.company(api=False)
    fresh = f"{unique('moved')}@test.example"
    with runtime.sessions() as s, s.begin():
        s.get(Contact, setup.admin.id).email = fresh
    with runtime.sessions() as s:
        row = s.scalar(select(AccountEmail).where(AccountEmail.account_kind == "contact",
                                                  AccountEmail.account_id == setup.admin.id))
        assert row.email == fresh
    # The old address is free again.
    with runtime.sessions() as s, s.begin():
        s.add(_raw_contact(setup.company.id, setup.admin.email))


def test_services_answer_email_taken_across_kinds(factory, runtime):
    support = factory.support_user()
    setup = factory.company(api=False)
    with runtime.sessions() as s, s.begin():
        company = s.get(type(setup.company), setup.company.id)
        with pytest.raises(Conflict) as contact_clash:
            accounts.create_contact(s, factory.ctx(), company, name="X",
                                    email=f"  {support.email.upper()} ", password_hash=None)
        with pytest.raises(Conflict) as support_clash:
            accounts.create_support_user(s, factory.ctx(), name="Y",
                                         email=setup.admin.email.upper(), password_hash="x")
    assert contact_clash.value.code == support_clash.value.code == "email_taken"


def test_the_migration_carries_clashing_addresses_forward(tmp_path, backend):
    """A database at 0100 with clashes: support keeps its address, the oldest contact keeps its."""
    from bidbridge.db import make_engine
    from bidbridge.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        cleanup = None
    else:
        from sqlalchemy.engine import make_url

        from tests.browser.conftest import _postgres_admin
        from tests.conftest import POSTGRES_URL

        name = f"bidbridge_mig0110_{abs(hash(str(tmp_path))) % 10**8}"
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        cleanup = name
    try:
        upgrade(url, "0100")
        engine = make_engine(url)
        stamp = "2026-11-30 10:00:00"
        with engine.begin() as c:
            c.execute(text("INSERT INTO companies (id, kind, name, country_code, created_at, "
                           "updated_at) VALUES (1, 'subcontractor', 'Lockout', 'NL', :t, :t)"),
                      {"t": stamp})
            c.execute(text("INSERT INTO support_users (id, name, email, password_hash, active, "
                           "session_version, created_at, updated_at) VALUES "
                           "(1, 'Help', 'Help@Platform.test', 'h', true, 1, :t, :t)"), {"t": stamp})
            for cid, email in [(1, "help@platform.TEST"), (2, "Same@x.test"), (3, "same@X.test"),
                               (4, " Plain@x.test")]:
                c.execute(text("INSERT INTO contacts (id, company_id, name, email, role, "
                               "contact_type, active, session_version, created_at, updated_at) "
                               "VALUES (:i, 1, 'C', :e, 'user', 'other', true, 1, :t, :t)"),
                          {"i": cid, "e": email, "t": stamp})
        engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as c:
            support = c.execute(text("SELECT email FROM support_users")).scalar_one()
            contacts = dict(c.execute(text("SELECT id, email FROM contacts")).all())
            events = c.execute(text("SELECT target_id, event FROM audit_events "
                                    "ORDER BY target_id")).all()
            registry = c.execute(text("SELECT count(*) FROM account_emails")).scalar_one()
        engine.dispose()
        assert support == "help@platform.test"
        assert contacts == {1: "clash-contact-1@email-clash.invalid", 2: "same@x.test",
                            3: "clash-contact-3@email-clash.invalid", 4: "plain@x.test"}
        assert [tuple(e) for e in events] == [(1, "account.email_clash_renamed"),
                                              (3, "account.email_clash_renamed")]
        assert registry == 5
    finally:
        if cleanup:
            from tests.browser.conftest import _postgres_admin

            _postgres_admin(f'DROP DATABASE IF EXISTS "{cleanup}" WITH (FORCE)')
