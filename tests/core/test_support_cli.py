"""The support CLI and the demo loader, run as a newcomer would run them."""

import json
import os
import subprocess
import sys

import pytest

from bidbridge.models import CompanyKind


def run_cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BIDBRIDGE_DATABASE_URL": settings.database_url,
           "BIDBRIDGE_DATA_DIR": str(settings.data_dir), "BIDBRIDGE_ENV": "development",
           "BIDBRIDGE_ARGON2_TIME_COST": "1", "BIDBRIDGE_ARGON2_MEMORY_KIB": "1024",
           "BIDBRIDGE_SECRET_KEY": settings.secret_key, "BIDBRIDGE_PEPPER": settings.pepper,
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "bidbridge.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def support(factory):
    return factory.support_user()


def test_activate_and_deactivate_by_name_and_id(settings, factory, support):
    setup = factory.company(api=False)
    result = run_cli(settings, "support", "activate-api", "--company", setup.company.name,
                     "--api-user", setup.admin.email, "--as", support.email)
    assert result.returncode == 0, result.stderr
    assert "API module active" in result.stdout
    module = factory.module(setup.company.id)
    assert module.active and module.api_user_id == setup.admin.id
    events = factory.events(setup.company.id)
    activated = [e for e in events if e.event == "api_module.activated"]
    assert activated and activated[-1].actor_name == support.name
    assert activated[-1].actor_kind == "support"

    result = run_cli(settings, "support", "deactivate-api", "--company", str(setup.company.id),
                     "--as", support.email)
    assert result.returncode == 0, result.stderr
    assert not factory.module(setup.company.id).active
    assert factory.events(setup.company.id)[-1].event == "api_module.deactivated"


def test_api_user_must_belong_to_the_company(settings, factory, support):
    setup = factory.company(api=False)
    stranger = factory.company(api=False)
    result = run_cli(settings, "support", "activate-api", "--company", str(setup.company.id),
                     "--api-user", stranger.admin.email, "--as", support.email)
    assert result.returncode != 0
    assert "is not a contact of" in result.stderr
    assert factory.module(setup.company.id) is None


def test_unknown_company_is_a_clear_error(settings, support):
    result = run_cli(settings, "support", "deactivate-api", "--company", "No Such Company B.V.",
                     "--as", support.email)
    assert result.returncode == 1
    assert "No company has the id or exact name" in result.stderr


def test_demo_is_idempotent_and_prints_logins(settings, runtime):
    first = run_cli(settings, "demo", "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    emails = {login["email"] for login in summary["logins"]}
    assert {"support@bidbridge.test", "api@vandijk.test", "admin@bakker.test",
            "admin@devries.test"} <= emails
    assert all(login["password"] for login in summary["logins"])
    second = json.loads(run_cli(settings, "demo", "--json").stdout)
    assert second["companies"] == summary["companies"]

    from sqlalchemy import func, select

    from bidbridge.models import ApiModule, Company

    with runtime.sessions() as s:
        kinds = dict(s.execute(select(Company.name, Company.kind).where(
            Company.name.in_(summary["companies"]))).all())
        assert sorted(kinds.values()) == sorted([CompanyKind.SUBCONTRACTOR,
                                                 CompanyKind.SUBCONTRACTOR,
                                                 CompanyKind.CONTRACTOR])
        sub_id = summary["companies"]["Van Dijk Installatietechniek B.V."]
        assert s.get(ApiModule, sub_id).active
        other_id = summary["companies"]["Bakker Dakwerken"]
        assert s.get(ApiModule, other_id) is None
        assert s.scalar(select(func.count()).select_from(Company).where(
            Company.name == "Bakker Dakwerken")) == 1


def test_demo_api_key_works(settings, client):
    result = run_cli(settings, "demo", "--json", "--new-api-key")
    key = json.loads(result.stdout)["api_key"]
    response = client.post("/rest/subcontractor/v1/tokens",
                           data={"login": "api@vandijk.test", "apiKey": key})
    assert response.status_code == 200, response.text
