"""Test data through the real services: unique names per call, so tests never collide."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp
from sqlalchemy import select
from starlette.testclient import TestClient

from bidbridge.models import (
    ApiModule,
    AuditEvent,
    Company,
    CompanyKind,
    Contact,
    ContactRole,
    ContactType,
    SupportUser,
)
from bidbridge.services import accounts, api_access, api_keys, two_factor
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
# e-mail → (TOTP secret, unused recovery codes) of accounts the factory enrolled in 2FA; the web
# helpers log such accounts in with a recovery code, so no test depends on the time step.
TWO_FACTOR: dict[str, tuple[str, list[str]]] = {}


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_seq)}-{uuid.uuid4().hex[:6]}"


@dataclass
class CompanySetup:
    company: Company
    admin: Contact
    api_user: Contact | None
    api_key: str | None  # the raw key, as the user saw it once

    @property
    def login(self) -> str:
        assert self.api_user is not None
        return self.api_user.email


class Factory:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.password_hash = runtime.passwords.hash(PASSWORD)

    def ctx(self, actor: Actor | None = None) -> RequestContext:
        return RequestContext(actor=actor or Actor.system("tests"), clock=self.runtime.clock)

    def support_user(self, *, enrolled: bool = True) -> SupportUser:
        """A support account; ``enrolled`` (the default) with its required second factor."""
        with self.runtime.sessions() as s, s.begin():
            user = accounts.create_support_user(
                s, self.ctx(), name=unique("Support"), email=f"{unique('support')}@test.example",
                password_hash=self.password_hash)
        if enrolled:
            self.enrol("support", user.id, user.email)
        return user

    def enrol(self, kind: str, account_id: int, email: str) -> str:
        """Set up TOTP for an account through the service; returns the secret."""
        keys = two_factor.Keys(self.runtime.settings.secret_key, self.runtime.settings.pepper)
        ctx = self.ctx()
        with self.runtime.sessions() as s, s.begin():
            secret = two_factor.pending_secret(s, ctx, keys, kind, account_id)
            code = pyotp.TOTP(secret).at(ctx.now())
            codes = two_factor.confirm(s, ctx, keys, kind, account_id, code, company_id=None,
                                       label=email)
        TWO_FACTOR[email] = (secret, codes)
        return secret

    def company(self, kind: CompanyKind = CompanyKind.SUBCONTRACTOR, *, api: bool = True,
                with_key: bool = True, name: str | None = None) -> CompanySetup:
        """A company with an administrator and, when ``api``, an activated API user with a key."""
        with self.runtime.sessions() as s, s.begin():
            ctx = self.ctx()
            company = accounts.create_company(s, ctx, kind=kind, name=name or unique("Company"),
                                              city="Utrecht", country_code="NL")
            admin = accounts.create_contact(
                s, ctx, company, name=unique("Admin"), email=f"{unique('admin')}@test.example",
                password_hash=self.password_hash, role=ContactRole.ADMINISTRATOR)
            api_user = key = None
            if api:
                api_user = accounts.create_contact(
                    s, ctx, company, name=unique("Api User"),
                    email=f"{unique('api')}@test.example", password_hash=self.password_hash,
                    contact_type=ContactType.HIDDEN)
                api_access.activate_api(s, ctx.acting_as(Actor("support", None, "Test Support")),
                                        company, api_user)
                if with_key:
                    _, key = self.generate_key_in(s, api_user)
            return CompanySetup(company, admin, api_user, key)

    def generate_key_in(self, session: Any, contact: Contact) -> tuple[Any, str]:
        ctx = self.ctx(Actor("contact", contact.id, contact.name, contact.company_id))
        settings = self.runtime.settings
        return api_keys.generate_key(session, ctx, contact, pepper=settings.pepper,
                                     pepper_id=settings.pepper_id)

    def generate_key(self, contact: Contact) -> str:
        with self.runtime.sessions() as s, s.begin():
            fresh = s.get(Contact, contact.id)
            assert fresh is not None
            return self.generate_key_in(s, fresh)[1]

    def contact(self, company: Company, *, role: ContactRole = ContactRole.USER,
                contact_type: ContactType = ContactType.VISIBLE) -> Contact:
        with self.runtime.sessions() as s, s.begin():
            fresh = s.get(Company, company.id)
            assert fresh is not None
            return accounts.create_contact(
                s, self.ctx(), fresh, name=unique("Contact"),
                email=f"{unique('contact')}@test.example", password_hash=self.password_hash,
                role=role, contact_type=contact_type)

    def module(self, company_id: int) -> ApiModule | None:
        with self.runtime.sessions() as s:
            return s.get(ApiModule, company_id)

    def events(self, company_id: int, event: str | None = None) -> list[AuditEvent]:
        with self.runtime.sessions() as s:
            query = select(AuditEvent).where(AuditEvent.company_id == company_id)
            if event:
                query = query.where(AuditEvent.event == event)
            return list(s.scalars(query.order_by(AuditEvent.id)))


def get_token(client: TestClient, setup: CompanySetup, *, force_new: bool = False,
              api: str = "subcontractor") -> str:
    response = client.post(f"/rest/{api}/v1/tokens",
                           data={"login": setup.login, "apiKey": setup.api_key,
                                 "forceNew": "1" if force_new else "0"})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def auth(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}
