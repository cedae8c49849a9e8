"""Every response the test suite sees is checked against the published OpenAPI document.

ValidatingClient (the `client` fixture) finds the operation by method and path, and fails the test
when the status is not documented, the error code is not listed for that function, or the body does
not match the schema.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from starlette.testclient import TestClient

from bidbridge.api.declare import Api
from bidbridge.api.dispatch import API_PREFIX
from bidbridge.api.docs.openapi import openapi_document

DOC_PATHS = ("", "/", "/openapi.json", "/docs", "/postman.json")


class UndocumentedResponse(AssertionError):
    pass


@cache
def _path_patterns(api: Api) -> list[tuple[re.Pattern[str], str]]:
    out = []
    for path in openapi_document(api)["paths"]:
        regex = "^" + re.sub(r"\\{(\w+)\\}", "[^/]+", re.escape(path)) + "$"
        out.append((re.compile(regex), path))
    # Static paths win over templated ones, as in routing.
    return sorted(out, key=lambda item: item[1].count("{"))


@cache
def _validator(api: Api, path: str, method: str, status: str, media: str) -> Draft202012Validator:
    doc = openapi_document(api)
    schema = doc["paths"][path][method]["responses"][status]["content"][media]["schema"]
    return Draft202012Validator({**schema, "components": doc["components"]})


def api_of(path: str) -> tuple[Api, str] | None:
    for api, prefix in API_PREFIX.items():
        if path == prefix or path.startswith(prefix + "/"):
            return api, path[len(prefix):]  # type: ignore[return-value]
    return None


def check_response(response: httpx.Response) -> None:
    """Raise UndocumentedResponse when ``response`` is not what the OpenAPI document promises."""
    request = response.request
    found = api_of(request.url.path)
    if found is None:
        return
    api, sub = found
    if sub in DOC_PATHS:
        return
    where = f"{request.method} {request.url.path} -> {response.status_code}"
    if "x-request-id" not in response.headers:
        raise UndocumentedResponse(f"{where}: no X-Request-Id header")
    doc = openapi_document(api)
    path = next((p for regex, p in _path_patterns(api) if regex.match(sub)), None)
    method = "get" if request.method == "HEAD" else request.method.lower()
    if path is None:
        _expect_problem(response, where, 404, "unknown_function")
        return
    operation = doc["paths"][path].get(method)
    if operation is None:
        _expect_problem(response, where, 405, "method_not_allowed")
        return
    status = str(response.status_code)
    documented = operation["responses"].get(status)
    if documented is None:
        raise UndocumentedResponse(f"{where}: status {status} is not documented for "
                                   f"{operation['operationId']} (documented: "
                                   f"{', '.join(operation['responses'])})")
    content = documented.get("content")
    if not content or request.method == "HEAD" or response.status_code == 304:
        return
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media not in content:
        if "application/json" in content or "application/problem+json" in content:
            raise UndocumentedResponse(f"{where}: content type {media!r} not documented "
                                       f"({', '.join(content)})")
        return  # a streamed file: the documented type is a default, the stored type may differ
    if "json" not in media:
        return
    body = response.json()
    errors = sorted(_validator(api, path, method, status, media).iter_errors(body),
                    key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(f"at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                          for e in errors[:5])
        code = body.get("code") if isinstance(body, dict) else None
        hint = f" (error code {code!r} — is it declared in errors=[...]?)" if code else ""
        raise UndocumentedResponse(f"{where}: body does not match the OpenAPI schema of "
                                   f"{operation['operationId']}{hint}: {shown}")


def _expect_problem(response: httpx.Response, where: str, status: int, code: str) -> None:
    if response.status_code != status:
        raise UndocumentedResponse(f"{where}: no operation matches, so only {status} {code} "
                                   "is possible")
    body: Any = response.json()
    if body.get("code") != code:
        raise UndocumentedResponse(f"{where}: expected code {code}, got {body.get('code')}")


class ValidatingClient(TestClient):
    """The real app behind TestClient; each API answer is checked against the OpenAPI document."""

    def request(self, *args: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        check_response(response)
        return response
