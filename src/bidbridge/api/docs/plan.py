"""The example run of one API: which functions, in what order, with what parameters.

The capture tool (examples.json) and the Postman collection follow the same plan, so the examples
in the reference are what the collection does against the demo data. Ids are not typed in: each
answer is searched for ids (``rfps[0].id`` -> ``rfpId``), and later calls use ``{{rfpId}}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bidbridge.api.declare import Api, Function, Param, functions
from bidbridge.api.docs.schemas import example_text
from bidbridge.demo_tendering import PLANS

VAR = re.compile(r"{{(\w+)}}")
LIST_KEYS_OF_FUNCTION = ("items", "results", "data", "entries")
# Writes that end something (the RFP leaves us, a proposal is withdrawn) run after everything else.
FINAL_VERBS = ("withdraw", "forward", "delete", "remove", "revoke")

# Parameter values that the declared examples cannot give, per API and function. "{{name}}" refers
# to a variable found in an earlier answer (or a collection variable).
OVERRIDES: dict[Api, dict[str, dict[str, Any]]] = {
    "subcontractor": {
        "getToken": {"login": "{{login}}", "apiKey": "{{apiKey}}", "forceNew": "0"},
        # Price the chosen RFP's own first line; the total then comes from the lines.
        "priceBudgetLines": {"lines": '[{"budgetLineId": {{budgetLineId}}, "unitPrice": "45.50", '
                                      '"included": true}]'},
        "submitProposal": {"totalAmount": None},
        # Forwarding ends our part in an RFP: use another open one than the one we price.
        "forwardRfp": {"rfpId": "{{forwardRfpId}}"},
        # An RFP whose workpackage has an addendum (the demo's "Sanitair").
        "getAddenda": {"rfpId": "{{addendumRfpId}}"},
        "acknowledgeAddendum": {"rfpId": "{{addendumRfpId}}"},
        # The X84 that prices the chosen RFP's bill (api/docs/examples.py).
        # The example X84 and spreadsheet price the demo's first bill ("Installaties W"): an
        # RFP of that workpackage, whatever order getRfps lists them in.
        "uploadBidGaeb": {"rfpId": "{{billRfpId}}", "file": "bid.X84"},
        "uploadBidXlsx": {"rfpId": "{{billRfpId}}", "file": "bid.xlsx"},
    },
    "contractor": {
        "getToken": {"login": "{{login}}", "apiKey": "{{apiKey}}", "forceNew": "0"},
        # questionsTime is an hour on questionsDate, which has no example.
        "addProject": {"questionsTime": None},
        "updateProject": {"questionsTime": None},
        # The run's workpackage may be close to (or past) its deadline: the late-change rule
        # then wants the deadline moved, so the example moves it far out.
        "publishAddendum": {"deadline": "4102444800"},
        # answerQuestion closes the first open question; decline the second as its duplicate.
        "declineQuestion": {"questionId": "{{declineQuestionId}}",
                            "duplicateOfId": "{{questionId}}"},
        # A bidder that has submitted (the demo's bids): its X84, and the award of it as X86.
        "getBidGaeb": {"rfpId": "{{bidRfpId}}"},
        "setRfpStatus": {"rfpId": "{{bidRfpId}}"},
        "getAwardGaeb": {"workpackageId": "{{bidWorkpackageId}}"},
        "importBillGaeb": {"file": "bill.X83"},
        "importBillXlsx": {"file": "bill.xlsx"},
    },
}

# Functions that must run after the writes they read (the plan runs readers first): the phase
# they run in instead (3.5: after every writer, before the enders).
PHASES: dict[Api, dict[str, float]] = {
    # After submitProposal (whose example keeps its few lines whole), before the withdrawal.
    "subcontractor": {"uploadBidGaeb": 3.5, "getProposalGaeb": 3.5, "uploadBidXlsx": 3.5},
    # After setRfpStatus awarded the bid; the import replaces that bill, so it comes last.
    "contractor": {"getAwardGaeb": 3.5, "importBillGaeb": 5, "importBillXlsx": 5},
}


@dataclass(frozen=True)
class Pick:
    """Take variable ``var`` from item ``nth`` of list ``list_key`` whose item matches a test
    (written twice: Python for the capture, JavaScript for Postman; ``now`` is unix seconds)."""

    var: str
    list_key: str
    field: str
    python: Callable[[dict[str, Any], float], bool]
    javascript: str
    nth: int = 0


def _open_rfp(item: dict[str, Any], now: float) -> bool:
    return not item.get("forwarded") and (item.get("deadline") is None or item["deadline"] > now)


_OPEN_RFP_JS = "!item.forwarded && (item.deadline === null || item.deadline > now)"


def _open_with_addendum(item: dict[str, Any], now: float) -> bool:
    return _open_rfp(item, now) and item.get("latestAddendum", 0) > 0


# The workpackage whose bill api/docs/examples.py prices (the demo's first).
EXAMPLE_BILL = PLANS[0].workpackages[0].name


def _open_with_example_bill(item: dict[str, Any], now: float) -> bool:
    return _open_rfp(item, now) and item.get("workpackageName") == EXAMPLE_BILL


def _submitted_bid(item: dict[str, Any], now: float) -> bool:
    return (item.get("latestProposal") or {}).get("state") == "submitted"


_SUBMITTED_BID_JS = "!!item.latestProposal && item.latestProposal.state === 'submitted'"
PICKS: dict[Api, dict[str, list[Pick]]] = {
    "subcontractor": {"getRfps": [
        Pick("rfpId", "rfps", "rfpId", _open_rfp, _OPEN_RFP_JS),
        Pick("forwardRfpId", "rfps", "rfpId", _open_rfp, _OPEN_RFP_JS, nth=1),
        Pick("addendumRfpId", "rfps", "rfpId", _open_with_addendum,
             _OPEN_RFP_JS + " && item.latestAddendum > 0"),
        Pick("billRfpId", "rfps", "rfpId", _open_with_example_bill,
             _OPEN_RFP_JS + f" && item.workpackageName === {json.dumps(EXAMPLE_BILL)}")]},
    "contractor": {
        "getQuestions": [
            Pick("declineQuestionId", "questions", "questionId",
                 lambda item, now: item.get("state") == "open", "item.state === 'open'", nth=1)],
        "getRfps": [
            Pick("bidRfpId", "rfps", "id", _submitted_bid, _SUBMITTED_BID_JS),
            Pick("bidWorkpackageId", "rfps", "workpackageId", _submitted_bid,
                 _SUBMITTED_BID_JS)]},
}


def picked(api: Api, function_name: str, body: Any, now: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pick in PICKS[api].get(function_name, []):
        items = body.get(pick.list_key, []) if isinstance(body, dict) else []
        matching = [i for i in items if isinstance(i, dict) and pick.python(i, now)]
        if len(matching) > pick.nth:
            out[pick.var] = matching[pick.nth][pick.field]
    return out


def picks_js(api: Api, function_name: str) -> str:
    """Postman test-script lines that set the picked variables."""
    lines = []
    for pick in PICKS[api].get(function_name, []):
        lines += [
            "(function () {",
            "  var now = Date.now() / 1000;",
            f"  var items = (pm.response.json()[{pick.list_key!r}] || []).filter("
            f"function (item) {{ return {pick.javascript}; }});",
            f"  if (items.length > {pick.nth}) {{",
            f"    pm.collectionVariables.set({pick.var!r}, String(items[{pick.nth}][{pick.field!r}]));",
            f"    pm.collectionVariables.set('_found_{pick.var}', '1');",
            "  }",
            "})();"]
    return "\n".join(lines)


def is_write(fn: Function) -> bool:
    """Ids in a write's answer name what it just made: they replace earlier ones."""
    return fn.method == "POST" and not fn.name.startswith("get")


# Functions left out of the example run, with the reason shown in the reference.
SKIPPED: dict[Api, dict[str, str]] = {"subcontractor": {}, "contractor": {}}


@dataclass
class Step:
    function: Function
    template: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # parameter -> example file name

    @property
    def path_template(self) -> str:
        """The path with {{variables}} for template parameters (Postman's notation)."""
        path = self.function.path
        for name, value in self.template.items():
            path = path.replace("{" + name + "}", value)
        return path


def _phase(fn: Function) -> float:
    if fn.name in PHASES[fn.api]:
        return PHASES[fn.api][fn.name]
    if fn.name == "getToken":
        return 0
    verb = re.match(r"[a-z]+", fn.name)
    verb_text = verb.group(0) if verb else ""
    if verb_text in FINAL_VERBS:
        return 4
    if verb_text == "get":
        return 1 if all(p.kind == "query" for p in fn.params) else 2
    return 3


def steps(api: Api) -> list[Step]:
    """Every documented function of ``api`` once, readers before writers, enders last."""
    ordered = sorted((fn for fn in functions(api) if fn.name not in SKIPPED[api]), key=_phase)
    return [_step(api, fn) for fn in ordered]


def _step(api: Api, fn: Function) -> Step:
    overrides = OVERRIDES[api].get(fn.name, {})
    step = Step(fn)
    for param in fn.params:
        if param.name in overrides:
            value = overrides[param.name]
            if value is None:
                continue
            if param.type == "file":
                step.files[param.name] = value
                continue
            text = value if isinstance(value, str) else example_text(param, value)
        elif param.kind == "template":
            text = "{{" + param.name + "}}"
        elif param.type == "file":
            if param.required:
                step.files[param.name] = "example.pdf"
            continue
        elif param.example is not None and not param.secret and (
                param.required or _phase(fn) >= 3):
            # Readers run unfiltered (a filter example may match nothing in the demo data).
            text = example_text(param, param.example)
        else:
            continue
        if param.type == "file":
            step.files[param.name] = text
        elif param.kind == "template":
            step.template[param.name] = text
        else:
            step.query[param.name] = text
    return step


def default_value(param: Param) -> str | None:
    """The fallback of a {{variable}} nobody found: the declared example."""
    return None if param.example is None else example_text(param, param.example)


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def _noun(function_name: str) -> str:
    """getRfps -> rfps, getBudgetLines -> budgetLines."""
    rest = re.sub(r"^[a-z]+", "", function_name)
    return rest[:1].lower() + rest[1:]


def found_ids(function_name: str, body: Any) -> dict[str, Any]:
    """Variables an answer offers, first occurrence winning (mirrored in JavaScript for Postman)."""
    found: dict[str, Any] = {}

    def offer(name: str, value: Any) -> None:
        if isinstance(value, int | str) and not isinstance(value, bool) and name not in found:
            found[name] = value

    def walk(node: Any, list_key: str | None) -> None:
        if isinstance(node, dict):
            if list_key is not None and "id" in node:
                noun = _noun(function_name) if list_key in LIST_KEYS_OF_FUNCTION else list_key
                offer(_singular(noun) + "Id", node["id"])
            for key, value in node.items():
                if key.endswith("Id") and len(key) > 2:
                    offer(key, value)
            for key, value in node.items():
                if isinstance(value, list):
                    for item in value:
                        walk(item, key)
                elif isinstance(value, dict):
                    walk(value, None)
        elif isinstance(node, list):
            for item in node:
                walk(item, LIST_KEYS_OF_FUNCTION[0])

    if isinstance(body, dict) and "id" in body:
        offer(_singular(_noun(function_name)) + "Id", body["id"])
    walk(body, None)
    return found


# The same search, for Postman test scripts; keep the two in step (tests compare them).
FOUND_IDS_JS = r"""
function foundIds(functionName, body) {
  var found = {};
  var listKeys = ["items", "results", "data", "entries"];
  function singular(w) { return /ies$/.test(w) ? w.slice(0, -3) + "y" : w.replace(/s$/, ""); }
  function noun(name) { var r = name.replace(/^[a-z]+/, ""); return r.charAt(0).toLowerCase() + r.slice(1); }
  function offer(name, value) {
    if ((typeof value === "number" || typeof value === "string") && !(name in found)) { found[name] = value; }
  }
  function isObj(n) { return n !== null && typeof n === "object" && !Array.isArray(n); }
  function walk(node, listKey) {
    if (isObj(node)) {
      if (listKey !== null && "id" in node) {
        offer(singular(listKeys.indexOf(listKey) >= 0 ? noun(functionName) : listKey) + "Id", node.id);
      }
      Object.keys(node).forEach(function (k) { if (/Id$/.test(k) && k.length > 2) { offer(k, node[k]); } });
      Object.keys(node).forEach(function (k) {
        var v = node[k];
        if (Array.isArray(v)) { v.forEach(function (i) { walk(i, k); }); }
        else if (isObj(v)) { walk(v, null); }
      });
    } else if (Array.isArray(node)) {
      node.forEach(function (i) { walk(i, listKeys[0]); });
    }
  }
  if (isObj(body) && "id" in body) {
    offer(singular(noun(functionName)) + "Id", body.id);
  }
  walk(body, null);
  return found;
}
"""
