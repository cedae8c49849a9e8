"""Every contractor tendering function refuses calls without a valid token, and expired ones."""

from __future__ import annotations

import re

import pytest

from bidbridge.api.declare import REGISTRY
from bidbridge.app import create_app  # noqa: F401  (registers every function)
from tests.factories import auth
from tests.tendering.contractor.helpers import BASE, contractor

TENDERING = [fn for fn in REGISTRY["contractor"].values()
             if fn.tag in ("Projects", "RFPs", "Proposals", "Messages", "Addenda and questions")]


def _path(path: str) -> str:
    return BASE + re.sub(r"{\w+}", "1", path)


def test_the_tendering_functions_are_declared():
    assert {fn.name for fn in TENDERING} == {
        "addProject", "getProjects", "getProject", "updateProject", "addWorkpackage",
        "addBudgetLines", "addDocument", "inviteSubcontractor", "getRfps", "setRfpStatus",
        "getProposals", "sendMessage", "getMessages", "publishAddendum", "getAddenda",
        "getQuestions", "answerQuestion", "declineQuestion", "cancelWorkpackage",
        "getBidOpening"}


@pytest.mark.parametrize("fn", TENDERING, ids=lambda f: f.name)
def test_without_or_with_an_expired_token(fn, factory, client, clock):
    missing = client.request(fn.method, _path(fn.path))
    assert missing.status_code == 401 and missing.json()["code"] == "token_missing"
    gc = contractor(factory, client)
    clock.advance(3601)
    expired = client.request(fn.method, _path(fn.path), headers=auth(gc.token))
    assert expired.status_code == 401 and expired.json()["code"] == "token_expired"
