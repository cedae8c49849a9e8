"""The benchmark's databases and its API users: a dedicated PostgreSQL database (created and
dropped), or a SQLite file in a temporary data directory; both migrated like production."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bidbridge.config import Settings
from bidbridge.migrate import upgrade
from bidbridge.models import CompanyKind, ContactType
from bidbridge.services import accounts, api_access, api_keys
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime

SUBCONTRACTOR_API = "/rest/subcontractor/v1"


@dataclass(frozen=True)
class ApiUser:
    company_id: int
    contact_id: int
    login: str
    api_key: str


@dataclass
class Backend:
    """One database the platform runs on, with the production settings its servers get."""

    name: str  # sqlite or postgresql
    url: str
    data_dir: Path
    secret_key: str
    pepper: str
    admin_url: str | None = None
    database: str | None = None

    def settings(self) -> Settings:
        return Settings(env="production", data_dir=self.data_dir, database_url=self.url,
                        secret_key=self.secret_key, pepper=self.pepper)

    def server_env(self) -> dict[str, str]:
        return {"BIDBRIDGE_ENV": "production", "BIDBRIDGE_DATA_DIR": str(self.data_dir),
                "BIDBRIDGE_DATABASE_URL": self.url, "BIDBRIDGE_SECRET_KEY": self.secret_key,
                "BIDBRIDGE_PEPPER": self.pepper, "BIDBRIDGE_REDIS_URL": "",
                # The benchmark measures throughput, not the per-token budget it would hit.
                "BIDBRIDGE_RATE_LIMIT_TOKEN_REQUESTS": "0",
                "BIDBRIDGE_RATE_LIMIT_COMPANY_REQUESTS": "0"}

    def drop(self) -> None:
        if self.admin_url and self.database:
            _drop_database(self.admin_url, self.database)


def _admin_engine(admin_url: str):  # type: ignore[no-untyped-def]
    url = make_url(admin_url).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _drop_database(admin_url: str, name: str) -> None:
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def create_backend(name: str, workdir: Path, *, admin_url: str, database: str,
                   pg_settings: dict[str, str] | None = None) -> Backend:
    """A fresh, migrated database for ``name`` (sqlite or postgresql); ``pg_settings`` are set
    on the PostgreSQL database (ALTER DATABASE … SET) for what-if experiments."""
    data_dir = workdir / f"data-{name}"
    data_dir.mkdir(parents=True, exist_ok=True)
    secret_key, pepper = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    if name == "sqlite":
        path = data_dir / "bidbridge.sqlite3"
        path.unlink(missing_ok=True)
        backend = Backend(name, f"sqlite:///{path}", data_dir, secret_key, pepper)
    elif name == "postgresql":
        if not database.startswith("bidbridge_bench"):
            raise ValueError("the benchmark database name must start with bidbridge_bench: "
                             "it is dropped and created afresh")
        engine = _admin_engine(admin_url)
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{database}"'))
                for key, value in (pg_settings or {}).items():
                    if not (re.fullmatch(r"[a-z_]+", key) and re.fullmatch(r"[A-Za-z0-9._-]+", value)):
                        raise ValueError(f"not a PostgreSQL setting: {key}={value}")
                    conn.execute(text(f"ALTER DATABASE \"{database}\" SET {key} = '{value}'"))
        finally:
            engine.dispose()
        url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
        backend = Backend(name, url, data_dir, secret_key, pepper, admin_url, database)
    else:
        raise ValueError(f"unknown backend {name!r}: use sqlite or postgresql")
    upgrade(backend.url)
    return backend


def create_api_users(runtime: Runtime, count: int, prefix: str = "bench") -> list[ApiUser]:
    """``count`` subcontractor companies, each with an activated API user and a fresh key."""
    ctx = RequestContext(actor=Actor.system("bench"), clock=runtime.clock)
    support_ctx = ctx.acting_as(Actor("support", None, "Bench Support"))
    users = []
    with runtime.sessions() as session, session.begin():
        for i in range(count):
            company = accounts.create_company(session, ctx, kind=CompanyKind.SUBCONTRACTOR,
                                              name=f"{prefix} subcontractor {i}", city="Utrecht",
                                              country_code="NL")
            contact = accounts.create_contact(
                session, ctx, company, name=f"{prefix} api user {i}",
                email=f"{prefix}-api-{i}@bench.example", password_hash=None,
                contact_type=ContactType.HIDDEN)
            api_access.activate_api(session, support_ctx, company, contact)
            user_ctx = ctx.acting_as(Actor("contact", contact.id, contact.name, company.id))
            _, key = api_keys.generate_key(session, user_ctx, contact, pepper=runtime.settings.pepper,
                                           pepper_id=runtime.settings.pepper_id)
            users.append(ApiUser(company.id, contact.id, contact.email, key))
    return users


def token_body(user: ApiUser, force_new: bool) -> bytes:
    return httpx.QueryParams({"login": user.login, "apiKey": user.api_key,
                              "forceNew": "1" if force_new else "0"}).__str__().encode()


def get_token(base_url: str, user: ApiUser) -> str:
    response = httpx.post(base_url + SUBCONTRACTOR_API + "/tokens", content=token_body(user, False),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    response.raise_for_status()
    return str(response.json()["token"])
