"""The HTML function reference of one API: introduction, every function, every error code."""

from __future__ import annotations

import json
import shlex
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bidbridge.api.declare import Api, Function, functions
from bidbridge.api.dispatch import API_PREFIX
from bidbridge.api.docs.errors import ERRORS, error, errors_by_status
from bidbridge.api.docs.examples import example_of, load_examples
from bidbridge.api.docs.openapi import honours_idempotency_key
from bidbridge.api.docs.plan import steps

OWN_ASSETS = "/rest/assets/docs"


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def curl(fn: Function, origin: str) -> str:
    """A curl command for the captured example request (or the declared examples)."""
    example = example_of(fn.api, fn.name)
    step = next((s for s in steps(fn.api) if s.function.name == fn.name), None)
    if example:
        request = example["request"]
        path, form, files = request["path"], dict(request["form"]), list(request["files"])
    else:
        path = API_PREFIX[fn.api] + (step.path_template if step else fn.path)
        form = dict(step.query) if step else {}
        files = list(step.files.values()) if step else []
    parts = ["curl"]
    if fn.method == "POST":
        parts += ["-X", "POST"]
    if fn.authenticated:
        parts += ["-H", '"X-Auth-Token: $TOKEN"']
    if honours_idempotency_key(fn):
        parts += ["-H", '"Idempotency-Key: $(uuidgen)"']
    file_params = [p.name for p in fn.params if p.type == "file"]
    use_multipart = bool(files)
    for name, value in form.items():
        shown = f"{name}={value}" if not value.startswith("$") else f'"{name}={value}"'
        flag = "-F" if use_multipart else "--data-urlencode"
        parts += [flag, shown if shown.startswith('"') else shlex.quote(shown)]
    for name, file in zip(file_params, files, strict=False):
        parts += ["-F", shlex.quote(f"{name}=@{file}")]
    parts.append(origin + path)
    return " \\\n  ".join(_pair(parts))


def _pair(parts: list[str]) -> list[str]:
    """Keep each flag on one line with its value."""
    lines: list[str] = []
    for part in parts:
        if lines and lines[-1].startswith("-") and " " not in lines[-1]:
            lines[-1] += " " + part
        else:
            lines.append(part)
    return lines


def render_reference(api: Api, origin: str) -> str:
    fns = functions(api)
    groups: dict[str, list[Function]] = {}
    for fn in fns:
        groups.setdefault(fn.tag, []).append(fn)
    used = {code for fn in fns for codes in errors_by_status(fn).values() for code in
            (c.code for c in codes)}
    problem = load_examples().get("problem") or {}
    return _env().get_template("reference.html").render(
        api=api, prefix=API_PREFIX[api], base=origin + API_PREFIX[api], origin=origin,
        own_assets=OWN_ASSETS, groups=list(groups.items()),
        idempotent=[fn for fn in fns if honours_idempotency_key(fn)],
        idempotent_names={fn.name for fn in fns if honours_idempotency_key(fn)},
        examples=load_examples().get(api, {}), curl={fn.name: curl(fn, origin) for fn in fns},
        errors=errors_by_status, pretty=pretty, problem_example=pretty(problem),
        all_errors=sorted((error(c) for c in used | {"unknown_function"}),
                          key=lambda e: (e.status, e.code)),
    )


def render_swagger(api: Api) -> str:
    return _env().get_template("swagger.html").render(
        api=api, spec_url=API_PREFIX[api] + "/openapi.json", assets=SWAGGER_ASSETS,
        own_assets=OWN_ASSETS)


SWAGGER_ASSETS = "/rest/assets/swagger-ui"
__all__ = ["ERRORS", "render_reference", "render_swagger"]
