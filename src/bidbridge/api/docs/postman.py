"""The Postman collection (v2.1) of one API, generated from the declarations and the example plan."""

from __future__ import annotations

import base64
import json
from typing import Any

from pydantic import BaseModel, TypeAdapter

from bidbridge.api.declare import Api, Function, functions
from bidbridge.api.dispatch import API_PREFIX
from bidbridge.api.docs.examples import example_file
from bidbridge.api.docs.openapi import honours_idempotency_key
from bidbridge.api.docs.plan import FOUND_IDS_JS, VAR, Step, default_value, picks_js, steps

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
RENEW_BEFORE_SECONDS = 60
SAMPLE_FILE_NOTE = ("\n\nThe file sent is a small sample PDF embedded in the collection, so the "
                    "request runs as it is; choose a file of your own to send that instead.")


def build_collection(api: Api, origin: str = "http://127.0.0.1:8000") -> dict[str, Any]:
    prefix = API_PREFIX[api]
    plan = steps(api)
    return {
        "info": {
            "name": f"bidbridge {api} API",
            "schema": SCHEMA_URL,
            "description": (f"Every function of the bidbridge {api} API, in an order that runs "
                            f"top to bottom on the demo data. Set baseUrl, login and apiKey. "
                            f"Reference: {origin}{prefix}"),
        },
        "variable": _variables(api, plan, origin),
        "auth": {"type": "apikey", "apikey": [
            {"key": "key", "value": "X-Auth-Token", "type": "string"},
            {"key": "value", "value": "{{token}}", "type": "string"},
            {"key": "in", "value": "header", "type": "string"}]},
        "event": [
            {"listen": "prerequest", "script": {"type": "text/javascript",
                                                "exec": _renew_script(prefix).splitlines()}},
            {"listen": "test", "script": {"type": "text/javascript",
                                          "exec": _store_ids_script().splitlines()}},
        ],
        "item": [_item(step, prefix) for step in plan],
    }


def _variables(api: Api, plan: list[Step], origin: str) -> list[dict[str, Any]]:
    variables = [
        {"key": "baseUrl", "value": origin, "description": "Where bidbridge runs."},
        {"key": "login", "value": "", "description": "The API user's e-mail address."},
        {"key": "apiKey", "value": "", "description": "The key from My Account → API."},
        {"key": "token", "value": ""},
        {"key": "tokenExpiresAt", "value": "0", "description": "Local unix seconds."},
    ]
    seen = {"baseUrl", "login", "apiKey", "token", "tokenExpiresAt"}
    for step in plan:
        for name, value in {**step.template, **step.query}.items():
            for var in VAR.findall(value):
                if var in seen:
                    continue
                seen.add(var)
                whole = value == "{{" + var + "}}"
                fallback = default_value(step.function.param_index[name]) if whole else None
                variables.append({"key": var, "value": fallback or "",
                                  "description": "Taken from an earlier answer."})
    return variables


def _renew_script(prefix: str) -> str:
    return f"""// Renew the token when less than {RENEW_BEFORE_SECONDS} s are left (getToken itself excepted).
if (pm.info.requestName !== "getToken") {{
  var expiresAt = Number(pm.collectionVariables.get("tokenExpiresAt") || 0);
  var token = pm.collectionVariables.get("token");
  if (!token || expiresAt - Date.now() / 1000 < {RENEW_BEFORE_SECONDS}) {{
    pm.sendRequest({{
      url: pm.variables.get("baseUrl") + "{prefix}/tokens",
      method: "POST",
      header: {{"Content-Type": "application/x-www-form-urlencoded"}},
      body: {{mode: "urlencoded", urlencoded: [
        {{key: "login", value: pm.variables.get("login")}},
        {{key: "apiKey", value: pm.variables.get("apiKey")}},
        {{key: "forceNew", value: token ? "1" : "0"}}
      ]}}
    }}, function (err, res) {{
      if (err || res.code !== 200) {{ console.error("token renewal failed", err || res.text()); return; }}
      var body = res.json();
      pm.collectionVariables.set("token", body.token);
      pm.collectionVariables.set("tokenExpiresAt", String(Math.floor(Date.now() / 1000) + body.expiresIn));
    }});
  }}
}}"""


def _store_ids_script() -> str:
    return FOUND_IDS_JS + """
// Ids found in JSON answers feed {{rfpId}}-style variables of later requests; the first one wins.
var contentType = pm.response.headers.get("Content-Type") || "";
if (pm.response.code < 300 && contentType.indexOf("application/json") === 0) {
  var found = foundIds(pm.info.requestName, pm.response.json());
  // A write's answer names what it just made: its ids replace earlier ones.
  var isWrite = pm.request.method === "POST" && !/^get/.test(pm.info.requestName);
  Object.keys(found).forEach(function (name) {
    if (isWrite || !pm.collectionVariables.get("_found_" + name)) {
      pm.collectionVariables.set(name, String(found[name]));
      pm.collectionVariables.set("_found_" + name, "1");
    }
  });
}"""


def _item(step: Step, prefix: str) -> dict[str, Any]:
    fn = step.function
    path = prefix + step.path_template
    request: dict[str, Any] = {
        "method": fn.method,
        "description": fn.summary + (f"\n\n{fn.description}" if fn.description else ""),
        "header": [],
        "url": {"raw": "{{baseUrl}}" + path, "host": ["{{baseUrl}}"],
                "path": [p for p in path.split("/") if p]},
    }
    if not fn.authenticated:
        request["auth"] = {"type": "noauth"}
    if honours_idempotency_key(fn):
        request["header"].append({"key": "Idempotency-Key", "value": "{{$guid}}"})
    if fn.method == "POST":
        if step.files:
            request["body"] = {"mode": "formdata", "formdata": [
                *({"key": k, "value": v, "type": "text"} for k, v in step.query.items()),
                *(_sample_file(k, v) for k, v in step.files.items())]}
            request["description"] += SAMPLE_FILE_NOTE
        else:
            request["body"] = {"mode": "urlencoded", "urlencoded": [
                {"key": k, "value": v, "type": "text"} for k, v in step.query.items()]}
    return {"name": fn.name, "request": request,
            "event": [{"listen": "test", "script": {"type": "text/javascript",
                                                    "exec": _test_script(fn).splitlines()}}]}


def _sample_file(key: str, name: str) -> dict[str, Any]:
    """A file field that carries its own content: Postman's runtime sends a file field without
    ``src`` whose value is base64 as those bytes, so the collection needs no file beside it."""
    data, media = example_file(name)
    what = "A one-page sample PDF" if media == "application/pdf" else "A sample GAEB file"
    return {"key": key, "type": "file", "value": base64.b64encode(data).decode(),
            "fileName": name, "contentType": media,
            "description": f"{what} embedded in the collection; choose a file of your own to "
                           "upload it instead."}


def _test_script(fn: Function) -> str:
    lines = [f'pm.test("{fn.name} answers {fn.status}", function () {{',
             f"  pm.response.to.have.status({fn.status});", "});"]
    if fn.produces == "application/json":
        schema = json.dumps(postman_schema(fn), separators=(",", ":"))
        lines += [
            f'pm.test("{fn.name} answers with the documented shape", function () {{',
            f"  pm.response.to.have.jsonSchema({schema});", "});"]
    else:
        lines += [f'pm.test("{fn.name} sends the bytes", function () {{',
                  "  pm.expect(pm.response.responseSize).to.be.above(0);", "});"]
    picks = picks_js(fn.api, fn.name)
    if picks:
        lines.append(picks)
    if fn.name == "getToken":
        lines += [
            "var body = pm.response.json();",
            'pm.collectionVariables.set("token", body.token);',
            'pm.collectionVariables.set("tokenExpiresAt", '
            "String(Math.floor(Date.now() / 1000) + body.expiresIn));",
        ]
    return "\n".join(lines)


def postman_schema(fn: Function) -> dict[str, Any]:
    """A self-contained draft-07 schema of the answer, for Postman's jsonSchema check."""
    response = fn.response
    if response is None:
        return {"type": "object"}
    template = "#/definitions/{model}"
    if isinstance(response, TypeAdapter):
        schema = response.json_schema(mode="serialization", by_alias=True, ref_template=template)
    elif isinstance(response, type) and issubclass(response, BaseModel):
        schema = response.model_json_schema(mode="serialization", by_alias=True,
                                            ref_template=template)
    else:
        return {"type": "object"}
    if "$defs" in schema:
        schema["definitions"] = schema.pop("$defs")
    return _without_formats(schema)


def _without_formats(node: Any) -> Any:
    """Postman's validator rejects formats it does not know; the types and patterns stay."""
    if isinstance(node, dict):
        return {k: _without_formats(v) for k, v in node.items() if k != "format"}
    if isinstance(node, list):
        return [_without_formats(v) for v in node]
    return node


__all__ = ["build_collection", "functions"]
