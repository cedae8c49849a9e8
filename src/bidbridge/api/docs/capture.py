"""Capture the reference's example requests and responses by running the real app on demo data.

    python -m bidbridge.api.docs.capture [--out FILE]

Runs every step of plan.steps(api) against an in-process app on a fresh SQLite database with the
demo data, and writes what was sent and answered to examples.json (committed, shown on the
reference page). Re-run it after adding or changing a function; a test fails until you do.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bidbridge.api.declare import Api
from bidbridge.api.dispatch import API_PREFIX
from bidbridge.api.docs.demo_access import demo_credentials
from bidbridge.api.docs.examples import EXAMPLES_FILE, example_file
from bidbridge.api.docs.openapi import honours_idempotency_key
from bidbridge.api.docs.plan import (
    VAR,
    Step,
    default_value,
    found_ids,
    is_write,
    picked,
    steps,
)
from bidbridge.clock import FrozenClock
from bidbridge.config import Settings
from bidbridge.migrate import upgrade
from bidbridge.services.runtime import Runtime

if TYPE_CHECKING:
    from starlette.testclient import TestClient

APIS: tuple[Api, ...] = ("subcontractor", "contractor")
MAX_LIST_ITEMS = 3  # long lists are cut in the reference; the schema says the rest


class CaptureFailed(RuntimeError):
    pass


def capture(data_dir: Path) -> dict[str, Any]:
    """Run the plan of both APIs; return {api: {function: example}}."""
    from bidbridge.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note on httpx
        from starlette.testclient import TestClient

    settings = Settings(env="development", data_dir=data_dir, argon2_time_cost=1,
                        argon2_memory_kib=1024, auth_failure_limit=1000)
    upgrade(settings.database_url)
    runtime = Runtime.create(settings, FrozenClock())
    try:
        app = create_app(settings, runtime=runtime)
        out: dict[str, Any] = {}
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            for api in APIS:
                login, key = demo_credentials(runtime, api)
                variables: dict[str, Any] = {"login": login, "apiKey": key}
                out[api] = _run_api(client, api, variables)
                if api == "subcontractor":
                    out["problem"] = _problem_example(client, variables["token"])
        return out
    finally:
        runtime.close()


def _run_api(client: TestClient, api: Api, variables: dict[str, Any]) -> dict[str, Any]:
    examples: dict[str, Any] = {}
    for step in steps(api):
        fn = step.function
        template = {k: _resolve(v, variables, fn.param_index[k]) for k, v in step.template.items()}
        form = {k: _resolve(v, variables, fn.param_index[k]) for k, v in step.query.items()}
        path = API_PREFIX[api] + fn.path.format(**template)
        headers = {"X-Request-Id": f"example-{fn.name}"}
        if fn.authenticated:
            headers["X-Auth-Token"] = variables["token"]
        if honours_idempotency_key(fn):
            headers["Idempotency-Key"] = f"example-{fn.name}-0001"
        files = [(name, (file, *example_file(file))) for name, file in step.files.items()]
        if fn.method == "GET":
            response = client.get(path, headers=headers)
        else:
            response = client.post(path, data=form, files=files or None, headers=headers)
        if response.status_code != fn.status:
            raise CaptureFailed(f"{api}/{fn.name}: {fn.method} {path} answered "
                                f"{response.status_code}, expected {fn.status}: {response.text[:500]}")
        media = response.headers.get("content-type", "").split(";")[0]
        body: Any
        if media == "application/json":
            body = response.json()
            for name, value in found_ids(fn.name, body).items():
                if is_write(fn):
                    variables[name] = value
                else:
                    variables.setdefault(name, value)
            variables.update(picked(api, fn.name, body, time.time()))
            if fn.name == "getToken":
                variables["token"] = body["token"]
        else:
            body = None
        examples[fn.name] = {
            "request": {"method": fn.method, "path": path, "template": template,
                        "form": _redacted(step, form), "files": sorted(step.files.values()),
                        "headers": {k: v for k, v in headers.items() if k != "X-Auth-Token"}},
            "status": response.status_code,
            "contentType": media,
            "response": _trimmed(body),
            "size": len(response.content),
        }
    return examples


def _problem_example(client: TestClient, token: str) -> dict[str, Any]:
    """A real 422 answer, shown in the reference's introduction to errors."""
    response = client.post(API_PREFIX["subcontractor"] + "/audit-log",
                           data={"source": "everything", "limit": "500"},
                           headers={"X-Auth-Token": token, "X-Request-Id": "example-problem"})
    if response.status_code != 422:
        raise CaptureFailed(f"the problem example answered {response.status_code}")
    return dict(response.json())


def _resolve(value: str, variables: dict[str, Any], param: Any) -> str:
    """Replace each {{name}} as Postman does: a found or given variable, else the example."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return str(variables[name])
        fallback = default_value(param) if match.group(0) == value else None
        if fallback is None:
            raise CaptureFailed(f"no earlier answer offered {{{{{name}}}}} for {param.name}; "
                                "add an override or a pick to bidbridge.api.docs.plan")
        return fallback

    return VAR.sub(one, value)


def _redacted(step: Step, form: dict[str, str]) -> dict[str, str]:
    fn = step.function
    return {k: ("$" + re.sub(r"(?<!^)(?=[A-Z])", "_", k).upper() if fn.param_index[k].secret
                else v) for k, v in form.items()}


def _trimmed(body: Any) -> Any:
    if isinstance(body, list):
        return [_trimmed(x) for x in body[:MAX_LIST_ITEMS]]
    if isinstance(body, dict):
        return {k: _trimmed(v) for k, v in body.items()}
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=EXAMPLES_FILE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bidbridge-examples-") as tmp:
        examples = capture(Path(tmp))
    args.out.write_text(json.dumps(examples, indent=1, ensure_ascii=False) + "\n")
    count = sum(len(examples[api]) for api in APIS)
    print(f"captured {count} examples into {args.out}")


if __name__ == "__main__":
    main()
