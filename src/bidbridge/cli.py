"""The bidbridge command: serve, db upgrade, demo, support."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from bidbridge.config import Settings
from bidbridge.errors import AppError
from bidbridge.migrate import upgrade
from bidbridge.models import SupportUser
from bidbridge.services import accounts, api_access
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.sync.cli import sync as sync_command

app = typer.Typer(help="bidbridge: tendering platform with an integration API for subcontractors",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
support_app = typer.Typer(help="Platform support: API module and API user.", no_args_is_help=True)
company_app = typer.Typer(help="A contractor's own company settings, as its administrator.",
                          no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(support_app, name="support")
app.add_typer(company_app, name="company")
console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    return Settings()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the schema up to date (Alembic migrations)."""
    settings = _settings()
    upgrade(settings.database_url)
    console.print(f"schema up to date: {_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    migrate: Annotated[bool, typer.Option(
        help="Upgrade the schema first. With several nodes, run `bidbridge db upgrade` once and "
             "start every node with --no-migrate: it then refuses to start on an old schema.")
    ] = True,
    access_log: Annotated[bool, typer.Option(help="Log one line per request.")] = True,
    forwarded_allow_ips: Annotated[str, typer.Option(
        envvar="BIDBRIDGE_FORWARDED_ALLOW_IPS",
        help="Proxies (comma-separated addresses) whose X-Forwarded-For and X-Forwarded-Proto "
             "are trusted for the client's address; empty: none.")] = "",
) -> None:
    """Upgrade the schema (unless --no-migrate), then serve the web app and both APIs."""
    import uvicorn

    from bidbridge.migrate import pending
    from bidbridge.observability.logs import uvicorn_log_config

    settings = _settings()
    if migrate:
        upgrade(settings.database_url)
    elif missing := pending(settings.database_url):
        typer.echo(f"the database schema lacks {', '.join(missing)}: run `bidbridge db upgrade` "
                   "once (not per node), then start the nodes", err=True)
        raise typer.Exit(2)
    if workers > 1:
        _metrics_directory(settings.data_dir / f"metrics-{port}")
    level = os.environ.get("BIDBRIDGE_LOG_LEVEL", "info")
    banner = (f"bidbridge on http://{host}:{port}  (database: "
              f"{_safe_url(settings.database_url)}, storage: {_storage_name(settings)})")
    if settings.log_json:  # every line a JSON object, the banner too
        import logging

        from bidbridge.observability.logs import install_json_logging

        install_json_logging("bidbridge.serve")
        logging.getLogger("bidbridge.serve").info(banner)
    else:
        console.print(banner)
    uvicorn.run("bidbridge.asgi:app", host=host, port=port, workers=workers,
                proxy_headers=bool(forwarded_allow_ips),
                forwarded_allow_ips=forwarded_allow_ips or None, log_level=level,
                access_log=access_log,
                log_config=uvicorn_log_config(settings.log_json, level) or uvicorn.config.LOGGING_CONFIG)


def _metrics_directory(path: Path) -> None:
    """prometheus-client's multi-process mode: the workers write their samples here and
    /metrics sums them. Emptied at start, as the library asks; an operator's own
    PROMETHEUS_MULTIPROC_DIR wins."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


def _storage_name(settings: Settings) -> str:
    if settings.storage_url:
        endpoint = f" at {settings.storage_endpoint_url}" if settings.storage_endpoint_url else ""
        return settings.storage_url + endpoint
    return str(settings.storage_dir)


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    new_api_key: Annotated[bool, typer.Option(
        "--new-api-key", help="Also (re)generate the demo API user's key and print it once.")
    ] = False,
    base_url: Annotated[str, typer.Option(help="Where the platform is served.")] = (
        "http://127.0.0.1:8000"),
) -> None:
    """Create the demo companies, contacts and API access (idempotent); print the logins."""
    from bidbridge.demo import load_demo

    settings = _settings()
    upgrade(settings.database_url)
    runtime = Runtime.create(settings)
    try:
        summary = load_demo(runtime, base_url=base_url, new_api_key=new_api_key)
    finally:
        runtime.close()
    if as_json:
        print(json.dumps(summary.as_dict(), indent=2))
        return
    from bidbridge.demo_banner import print_demo

    print_demo(console, summary)


def _support_ctx(runtime: Runtime, session: object, as_email: str | None) -> RequestContext:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    query = select(SupportUser).where(SupportUser.active.is_(True))
    if as_email:
        query = query.where(SupportUser.email == accounts.normalize_email(as_email))
    users = list(session.scalars(query.limit(2)))
    if not users:
        raise typer.BadParameter("no such active support account" if as_email else
                                 "there is no support account; run `bidbridge demo` or create one",
                                 param_hint="--as")
    if len(users) > 1 and not as_email:
        raise typer.BadParameter("several support accounts exist; say which with --as <email>",
                                 param_hint="--as")
    user = users[0]
    return RequestContext(actor=Actor("support", user.id, user.name), clock=runtime.clock,
                          client_ip="cli")


AsOption = Annotated[str | None, typer.Option("--as", help="The support account acting.")]
CompanyOption = Annotated[str, typer.Option(help="Company id or exact name.")]


@support_app.command("activate-api")
def activate_api(
    company: CompanyOption,
    api_user: Annotated[str | None, typer.Option(help="E-mail of the contact to designate.")] = None,
    as_email: AsOption = None,
) -> None:
    """Activate a company's API module and designate its API user."""
    _support_action(company, as_email, api_user, activate=True)


@support_app.command("deactivate-api")
def deactivate_api(company: CompanyOption, as_email: AsOption = None) -> None:
    """Deactivate a company's API module: its tokens are refused from the next call on."""
    _support_action(company, as_email, None, activate=False)


@support_app.command("designate-api-user")
def designate_api_user(
    company: CompanyOption,
    api_user: Annotated[str, typer.Option(help="E-mail of the contact to designate.")],
    as_email: AsOption = None,
) -> None:
    """Change the API user of a company (the previous user's keys are revoked)."""
    _support_action(company, as_email, api_user, activate=None)


def _support_action(company_ref: str, as_email: str | None, api_user: str | None,
                    activate: bool | None) -> None:
    settings = _settings()
    upgrade(settings.database_url)
    runtime = Runtime.create(settings)
    try:
        with runtime.sessions() as session, session.begin():
            ctx = _support_ctx(runtime, session, as_email)
            company = accounts.find_company(session, company_ref)
            contact = None
            if api_user:
                contact = accounts.get_contact_by_email(session, api_user)
                if contact is None or contact.company_id != company.id:
                    raise typer.BadParameter(f"{api_user} is not a contact of {company.name}",
                                             param_hint="--api-user")
            if activate is True:
                module = api_access.activate_api(session, ctx, company, contact)
            elif activate is False:
                module = api_access.deactivate_api(session, ctx, company)
            else:
                assert contact is not None
                module = api_access.designate_api_user(session, ctx, company, contact)
            user = module.api_user.email if module.api_user else "none"
            console.print(f"{company.name} (id {company.id}): API module "
                          f"{'active' if module.active else 'inactive'}, API user {user}")
    except AppError as exc:
        err.print(f"error: {exc.detail}")
        raise typer.Exit(1) from exc
    finally:
        runtime.close()


@support_app.command("find")
def find(text: Annotated[str, typer.Argument(help="Part of a name or city, an id, a CoC number.")]
         ) -> None:
    """Find companies."""
    settings = _settings()
    runtime = Runtime.create(settings)
    try:
        with runtime.sessions() as session:
            table = Table()
            for column in ("id", "kind", "name", "city", "API"):
                table.add_column(column)
            for company in accounts.search_companies(session, text):
                module = api_access.get_module(session, company.id)
                state = "active" if module and module.active else "inactive"
                table.add_row(str(company.id), company.kind.value, company.name,
                              company.city or "", state)
            console.print(table)
    finally:
        runtime.close()


@support_app.command("create-support-user")
def create_support_user(
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                          confirmation_prompt=True)],
) -> None:
    """Create a platform support account."""
    settings = _settings()
    upgrade(settings.database_url)
    runtime = Runtime.create(settings)
    try:
        with runtime.sessions() as session, session.begin():
            ctx = RequestContext(actor=Actor.system("cli"), clock=runtime.clock, client_ip="cli")
            accounts.create_support_user(session, ctx, name=name, email=email,
                                         password_hash=runtime.passwords.hash(password))
        console.print(f"support account {email} created; at its first login in the browser it "
                      "sets up two-factor login (an authenticator app), which support accounts "
                      "require")
    finally:
        runtime.close()


# `bidbridge sync` lives with the sync package: it imports the client only, not the server.
app.command()(sync_command)


AdminOption = Annotated[str, typer.Option("--as", help="E-mail of the company administrator "
                                                        "acting.")]


@company_app.command("activate-api")
def company_activate_api(
    company: CompanyOption,
    as_email: AdminOption,
    api_user: Annotated[str | None, typer.Option(help="E-mail of the contact to designate.")] = None,
) -> None:
    """Activate a contractor's API module (and designate its API user), as its administrator."""
    _company_action(company, as_email, api_user, activate=True)


@company_app.command("deactivate-api")
def company_deactivate_api(company: CompanyOption, as_email: AdminOption) -> None:
    """Deactivate a contractor's API module, as its administrator."""
    _company_action(company, as_email, None, activate=False)


def _company_action(company_ref: str, as_email: str, api_user: str | None,
                    activate: bool) -> None:
    from bidbridge.services import contractor_api

    settings = _settings()
    upgrade(settings.database_url)
    runtime = Runtime.create(settings)
    try:
        with runtime.sessions() as session, session.begin():
            ctx = RequestContext(actor=Actor.system("cli"), clock=runtime.clock, client_ip="cli")
            company = accounts.find_company(session, company_ref)
            admin = accounts.get_contact_by_email(session, as_email)
            if admin is None or admin.company_id != company.id:
                raise typer.BadParameter(f"{as_email} is not a contact of {company.name}",
                                         param_hint="--as")
            contact = None
            if api_user:
                contact = accounts.get_contact_by_email(session, api_user)
                if contact is None or contact.company_id != company.id:
                    raise typer.BadParameter(f"{api_user} is not a contact of {company.name}",
                                             param_hint="--api-user")
            if activate:
                module = contractor_api.activate(session, ctx, admin, contact)
            else:
                module = contractor_api.deactivate(session, ctx, admin)
            session.flush()
            session.refresh(module)
            user = module.api_user.email if module.api_user else "none"
            console.print(f"{company.name} (id {company.id}): API module "
                          f"{'active' if module.active else 'inactive'}, API user {user}")
    except AppError as exc:
        err.print(f"error: {exc.detail}")
        raise typer.Exit(1) from exc
    finally:
        runtime.close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
