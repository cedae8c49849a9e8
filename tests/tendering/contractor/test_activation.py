"""A contractor's administrator activates its API module and designates the API user."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bidbridge.cli import app as cli_app
from bidbridge.errors import Forbidden, NotFound
from bidbridge.models import ApiModule, CompanyKind, Contact, ContactRole
from bidbridge.services import contractor_api
from tests.factories import auth, get_token


def _run(runtime, fn, *contact_ids):
    with runtime.sessions() as s, s.begin():
        contacts = [s.get(Contact, i) for i in contact_ids]
        module = fn(s, runtime_ctx(runtime), *contacts)
        return module.active, module.api_user_id


def runtime_ctx(runtime):
    from bidbridge.services.context import Actor, RequestContext

    return RequestContext(actor=Actor.system("web"), clock=runtime.clock)


def test_admin_activates_and_designates_then_the_api_works(factory, client, runtime):
    gc = factory.company(CompanyKind.CONTRACTOR, api=False)
    user = factory.contact(gc.company)
    assert _run(runtime, contractor_api.activate, gc.admin.id, user.id) == (True, user.id)
    events = factory.events(gc.company.id)
    designation = [e for e in events if e.event in ("api_module.activated",
                                                    "api_user.designated")]
    assert [e.event for e in designation] == ["api_module.activated", "api_user.designated"]
    assert {(e.actor_kind, e.actor_id, e.actor_name) for e in designation} == \
        {("contact", gc.admin.id, gc.admin.name)}
    key = factory.generate_key(user)
    gc.api_user, gc.api_key = user, key
    token = get_token(client, gc, api="contractor")
    me = client.get("/rest/contractor/v1/me", headers=auth(token)).json()
    assert me["contact"]["id"] == user.id and me["contact"]["isApiUser"] is True
    assert _run(runtime, contractor_api.deactivate, gc.admin.id) == (False, user.id)
    refused = client.get("/rest/contractor/v1/me", headers=auth(token))
    assert refused.status_code == 403
    assert refused.json()["code"] == "api_not_activated"


def test_only_an_administrator_of_a_contractor_may(factory, runtime):
    gc = factory.company(CompanyKind.CONTRACTOR, api=False)
    plain_user = factory.contact(gc.company, role=ContactRole.USER)
    with pytest.raises(Forbidden) as refused:
        _run(runtime, contractor_api.activate, plain_user.id, plain_user.id)
    assert refused.value.code == "not_administrator"
    sub = factory.company(CompanyKind.SUBCONTRACTOR, api=False)
    with pytest.raises(Forbidden) as not_gc:
        _run(runtime, contractor_api.activate, sub.admin.id, sub.admin.id)
    assert not_gc.value.code == "not_a_contractor"
    other = factory.company(CompanyKind.CONTRACTOR, api=False)
    with pytest.raises(NotFound):
        _run(runtime, contractor_api.activate, gc.admin.id, other.admin.id)
    assert factory.module(gc.company.id) is None
    assert factory.module(sub.company.id) is None


def test_designating_another_user_revokes_the_previous_users_access(factory, client, runtime):
    gc = factory.company(CompanyKind.CONTRACTOR)
    token = get_token(client, gc, api="contractor")
    successor = factory.contact(gc.company)
    _run(runtime, contractor_api.designate, gc.admin.id, successor.id)
    assert client.get("/rest/contractor/v1/me", headers=auth(token)).status_code == 401
    assert factory.module(gc.company.id).api_user_id == successor.id


def test_cli_company_activate_api(factory, runtime, settings, tmp_path):
    gc = factory.company(CompanyKind.CONTRACTOR, api=False)
    user = factory.contact(gc.company)
    env = {"BIDBRIDGE_DATABASE_URL": settings.database_url, "BIDBRIDGE_ENV": "test",
           "BIDBRIDGE_DATA_DIR": str(tmp_path / "cli"), "BIDBRIDGE_PEPPER": settings.pepper,
           "BIDBRIDGE_SECRET_KEY": settings.secret_key}
    runner = CliRunner()
    done = runner.invoke(cli_app, ["company", "activate-api", "--company", str(gc.company.id),
                                   "--api-user", user.email, "--as", gc.admin.email], env=env)
    assert done.exit_code == 0, done.output
    assert "API module active" in done.output and user.email in done.output
    module = factory.module(gc.company.id)
    assert (module.active, module.api_user_id) == (True, user.id)
    not_admin = runner.invoke(cli_app, ["company", "deactivate-api", "--company",
                                        str(gc.company.id), "--as", user.email], env=env)
    assert not_admin.exit_code == 1 and "not an active administrator" in not_admin.output
    stranger = runner.invoke(cli_app, ["company", "deactivate-api", "--company",
                                       str(gc.company.id), "--as", "nobody@example.test"], env=env)
    assert stranger.exit_code != 0
    off = runner.invoke(cli_app, ["company", "deactivate-api", "--company", gc.company.name,
                                  "--as", gc.admin.email], env=env)
    assert off.exit_code == 0 and "inactive" in off.output
    with runtime.sessions() as s:
        assert s.get(ApiModule, gc.company.id).active is False
