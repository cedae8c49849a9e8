"""The function reference: every function documented with a captured example, nothing extra."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from jsonschema import Draft202012Validator

from bidbridge.api.declare import REGISTRY
from bidbridge.api.docs.capture import capture
from bidbridge.api.docs.errors import documented_errors
from bidbridge.api.docs.examples import load_examples
from bidbridge.api.docs.openapi import build_openapi

APIS = ["subcontractor", "contractor"]
COLUMNS = ["Parameter", "Required", "Type", "Pattern", "Description", "Deprecated"]


class _Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.functions: list[str] = []
        self.ids: set[str] = set()
        self.headers: list[str] = []
        self._in_th = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "section" and "function" in (attributes.get("class") or ""):
            self.functions.append(attributes["id"])
        self._in_th = tag == "th"

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_th:
            self.headers.append(data)
            self._in_th = False


@pytest.mark.parametrize("api", APIS)
def test_reference_documents_exactly_the_declared_functions(client, api):
    response = client.get(f"/rest/{api}/v1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = _Sections()
    page.feed(response.text)
    assert sorted(page.functions) == sorted(REGISTRY[api])
    for fn in REGISTRY[api].values():
        assert fn.summary.strip(), f"{fn.name} has no summary"
        for code in documented_errors(fn):
            assert f"error-{code}" in page.ids, f"{code} of {fn.name} has no entry in the table"
    # The parameter table has the columns integrators know from the modelled platform.
    assert page.headers[:6] == COLUMNS
    assert f'href="/rest/{api}/v1/postman.json"' in response.text
    assert "curl" in response.text


@pytest.mark.parametrize("api", APIS)
def test_every_function_has_a_captured_example_and_no_example_is_orphaned(api):
    examples = load_examples()[api]
    missing = sorted(set(REGISTRY[api]) - set(examples))
    orphaned = sorted(set(examples) - set(REGISTRY[api]))
    hint = " Run `python -m bidbridge.api.docs.capture` to recapture."
    assert not missing, f"functions without a captured example: {missing}.{hint}"
    assert not orphaned, f"examples of functions that no longer exist: {orphaned}.{hint}"
    for name, example in examples.items():
        assert example["status"] == REGISTRY[api][name].status, name


@pytest.mark.parametrize("api", APIS)
def test_captured_examples_match_the_current_response_schemas(api):
    doc = build_openapi(api)
    for name, example in load_examples()[api].items():
        fn = REGISTRY[api][name]
        if example["response"] is None:
            continue
        content = doc["paths"][fn.path][fn.method.lower()]["responses"][str(fn.status)]["content"]
        schema = content["application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": doc["components"]})
        problems = [e.message for e in validator.iter_errors(example["response"])]
        assert not problems, f"the example of {name} is stale: {problems[:3]}; recapture it"


def test_capture_runs_every_function_against_the_real_app(tmp_path):
    fresh = capture(tmp_path)
    stored = load_examples()
    for api in APIS:
        assert {k: v["status"] for k, v in fresh[api].items()} == {
            k: v["status"] for k, v in stored[api].items()}
    # Nothing secret is stored: the key is shown as a placeholder.
    assert fresh["subcontractor"]["getToken"]["request"]["form"]["apiKey"] == "$API_KEY"
    assert re.fullmatch(r"[0-9a-f]{128}", fresh["subcontractor"]["getToken"]["response"]["token"])
    assert fresh["problem"]["code"] == "invalid_parameters"


def test_interactive_docs_load_only_local_assets(client):
    page = client.get("/rest/subcontractor/v1/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert 'data-spec-url="/rest/subcontractor/v1/openapi.json"' in page.text


@pytest.mark.parametrize("api", APIS)
def test_pattern_cells_say_in_words_first_and_give_the_expression_beside(client, api):
    page = client.get(f"/rest/{api}/v1").text
    sections = dict(re.findall(r'<section class="function" id="(\w+)">(.*?)</section>', page,
                               re.S))
    pairs = [(cell, param) for name, fn in REGISTRY[api].items() for cell, param in zip(
        re.findall(r'<td class="pattern">(.*?)</td>', sections[name]), fn.params, strict=True)]
    assert len(pairs) == sum(len(fn.params) for fn in REGISTRY[api].values()) > 0
    for cell, param in pairs:
        words = re.match(r'<span class="expected">(.*?)</span>', cell)
        assert words, f"{param.name}: the cell does not start with the words: {cell[:80]}"
        assert html.unescape(words.group(1)) == param.expected
        if param.pattern:
            regex = re.search(r'<code class="regex"[^>]*>(.*?)</code>', cell)
            assert regex and html.unescape(regex.group(1)) == param.pattern
            assert cell.index("expected") < cell.index("regex")
    # The words are no longer repeated in the Description column.
    assert "<em>Expected:" not in page


@pytest.mark.parametrize("api", APIS)
def test_the_hosted_docs_never_point_into_the_repository(client, api):
    # An integrator reads the reference on the server, without a checkout: no "see docs/x.md".
    for path in (f"/rest/{api}/v1", f"/rest/{api}/v1/openapi.json"):
        text = client.get(path).text
        assert not re.findall(r"(?<![/\w])(?:docs|src|tests)/[\w./-]+|\b\w+\.md\b", text), path


def test_submit_proposal_explains_content_sha256_so_it_can_be_recomputed():
    import hashlib
    import json

    description = REGISTRY["subcontractor"]["submitProposal"].description
    assert "sort_keys=True" in description and "ensure_ascii=False" in description
    # The rule as written, applied to the captured proposal, gives its contentSha256.
    proposal = load_examples()["subcontractor"]["submitProposal"]["response"]
    canonical = {key: proposal[key] for key in ("rfpId", "version", "message", "totalAmount",
                                                "currency", "lines")}
    canonical["attachments"] = [a["sha256"] for a in proposal["attachments"]]
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=False).encode()).hexdigest()
    assert digest == proposal["contentSha256"] == proposal["receipt"]["contentSha256"]
