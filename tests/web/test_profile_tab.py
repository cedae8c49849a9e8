"""My Account → Profile: what a contact type means, and API access when the module is off."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from bidbridge.config import Settings
from bidbridge.models import CompanyKind, ContactRole, ContactType
from tests.web.helpers import logged_in

SUPPORT = "help@platform.test"


@pytest.fixture
def settings(database, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    # The conftest's settings, with the operator's own support address.
    return Settings(env="test", data_dir=tmp_path / "var", database_url=database[0],
                    secret_key="t" * 48, pepper="p" * 48, argon2_time_cost=1,
                    argon2_memory_kib=1024, support_email=SUPPORT)


def _mailto(page: str) -> tuple[str, dict[str, str]]:
    hrefs = [unescape(h) for h in re.findall(r'href="(mailto:[^"]+)"', page)]
    asking = [h for h in hrefs if "?" in h]
    assert len(asking) == 1, hrefs
    parts = urlsplit(asking[0])
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_subcontractor_admin_without_api_sees_how_to_ask_support(client, factory):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    page = client.get("/account").text
    assert "API access is not active" in page
    address, fields = _mailto(page)
    assert address == SUPPORT
    assert fields["subject"] == f"API access for {setup.company.name}"
    assert f"company id {setup.company.id}" in fields["body"]
    assert f"{setup.admin.name} <{setup.admin.email}>" in fields["body"]
    # No API tab, and its address does not exist for this company.
    assert 'href="/account/api"' not in page
    assert client.get("/account/api").status_code == 404


def test_with_the_module_active_there_is_an_api_tab_and_no_notice(client, factory):
    setup = factory.company(api=True)
    logged_in(client, setup.admin.email)
    page = client.get("/account").text
    assert 'href="/account/api"' in page
    assert "API access is not active" not in page and "mailto:" not in page


def test_a_user_who_is_not_an_administrator_is_told_who_can_ask(client, factory):
    setup = factory.company(api=False)
    estimator = factory.contact(setup.company, role=ContactRole.USER)
    logged_in(client, estimator.email)
    page = " ".join(client.get("/account").text.split())
    assert "An administrator of your company can ask for it." in page
    assert "mailto:" not in page and "Ask platform support" not in page


def test_contractor_admin_is_sent_to_the_company_tab_not_to_support(client, factory):
    setup = factory.company(CompanyKind.CONTRACTOR, api=False)
    logged_in(client, setup.admin.email)
    page = client.get("/account").text
    assert "API access is not active" in page
    assert 'href="/account/company"' in page
    assert "mailto:" not in page


@pytest.mark.parametrize(("kind", "words"), [
    (ContactType.VISIBLE, "Contractors see you among your company's contacts"),
    (ContactType.HIDDEN, "contractors do not see you"),
    (ContactType.OTHER, "You see only the projects you were invited to"),
])
def test_the_profile_says_what_the_contact_type_means(client, factory, kind, words):
    setup = factory.company(api=False)
    contact = factory.contact(setup.company, contact_type=kind)
    logged_in(client, contact.email)
    page = client.get("/account").text
    meaning = re.search(r'<p class="hint" id="contact-type-meaning">(.*?)</p>', page, re.S)
    assert meaning and words in unescape(meaning.group(1))
    assert re.search(rf"<dt>Contact type</dt>\s*<dd>{kind.value.capitalize()}\s", page)
    # All three are explained, whatever one's own type.
    assert page.count("<dt>Visible</dt>") == page.count("<dt>Hidden</dt>") == 1


def test_support_email_default_and_validation(tmp_path):
    assert Settings(data_dir=tmp_path).support_email == "support@bidbridge.example"
    with pytest.raises(ValidationError, match="support_email"):
        Settings(data_dir=tmp_path, support_email="support at example dot com")
