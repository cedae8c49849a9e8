"""The OpenAPI documents: valid 3.1, one operation per declared function, served as generated."""

from __future__ import annotations

import httpx
import pytest
from openapi_spec_validator import validate

from bidbridge.api.declare import REGISTRY
from bidbridge.api.docs.errors import documented_errors, error
from bidbridge.api.docs.openapi import build_openapi
from tests.factories import auth, get_token
from tests.openapi_check import UndocumentedResponse, check_response

APIS = ["subcontractor", "contractor"]


@pytest.mark.parametrize("api", APIS)
def test_document_is_valid_openapi_3_1(api):
    doc = build_openapi(api)
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["XAuthToken"] == {
        "type": "apiKey", "in": "header", "name": "X-Auth-Token",
        "description": "The token from getToken; valid for one hour."}


@pytest.mark.parametrize("api", APIS)
def test_one_operation_per_declared_function(api):
    doc = build_openapi(api)
    operations = {op["operationId"]: (method.upper(), path)
                  for path, ops in doc["paths"].items() for method, op in ops.items()}
    assert operations == {fn.name: (fn.method, fn.path) for fn in REGISTRY[api].values()}


@pytest.mark.parametrize("api", APIS)
def test_parameters_carry_patterns_and_required_lists(api):
    doc = build_openapi(api)
    for fn in REGISTRY[api].values():
        op = doc["paths"][fn.path][fn.method.lower()]
        path_params = {p["name"]: p for p in op["parameters"] if p["in"] == "path"}
        for param in fn.params:
            if param.kind == "template":
                assert path_params[param.name]["required"] is True
                assert path_params[param.name]["schema"].get("pattern") == param.pattern
                continue
            for media, content in op["requestBody"]["content"].items():
                schema = content["schema"]
                if param.type == "file" and media != "multipart/form-data":
                    assert param.name not in schema["properties"]
                    continue
                prop = schema["properties"][param.name]
                if param.pattern and param.type != "json":
                    assert prop["pattern"] == param.pattern, (fn.name, param.name, media)
                assert (param.name in schema.get("required", [])) == param.required
                assert prop.get("deprecated", False) == param.deprecated
        if any(p.kind == "query" for p in fn.params) and not any(
                p.type == "file" and p.required for p in fn.params):
            assert {"application/x-www-form-urlencoded", "application/json"} <= set(
                op["requestBody"]["content"])


@pytest.mark.parametrize("api", APIS)
def test_every_error_code_is_documented_with_its_status(api):
    doc = build_openapi(api)
    for fn in REGISTRY[api].values():
        responses = doc["paths"][fn.path][fn.method.lower()]["responses"]
        for code in documented_errors(fn):
            entry = error(code)  # KeyError names a code missing from the table
            schema = responses[str(entry.status)]["content"]["application/problem+json"]["schema"]
            assert code in schema["allOf"][1]["properties"]["code"]["enum"]


def test_served_document_is_the_generated_one(client):
    for api in APIS:
        response = client.get(f"/rest/{api}/v1/openapi.json")
        assert response.status_code == 200
        assert response.json() == build_openapi(api)


def _response(method: str, path: str, status: int, body: dict, media: str) -> httpx.Response:
    request = httpx.Request(method, "http://testserver" + path)
    return httpx.Response(status, json=body, request=request,
                          headers={"content-type": media, "x-request-id": "r" * 12})


def _problem(status: int, code: str) -> dict:
    return {"type": f"https://bidbridge.dev/problems/{code}", "title": "t", "status": status,
            "detail": "d", "code": code}


def test_checker_refuses_an_undeclared_error_code():
    # getMe declares no not_found, so a 404 from it is a documentation bug.
    response = _response("GET", "/rest/subcontractor/v1/me", 404, _problem(404, "not_found"),
                         "application/problem+json")
    with pytest.raises(UndocumentedResponse, match="status 404 is not documented"):
        check_response(response)
    response = _response("GET", "/rest/subcontractor/v1/me", 401, _problem(401, "not_found"),
                         "application/problem+json")
    with pytest.raises(UndocumentedResponse, match="not_found"):
        check_response(response)


def test_checker_refuses_a_body_of_the_wrong_shape():
    response = _response("GET", "/rest/subcontractor/v1/company", 200, {"id": "seven"},
                         "application/json")
    with pytest.raises(UndocumentedResponse, match="does not match the OpenAPI schema"):
        check_response(response)


def test_checker_accepts_documented_answers(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    assert client.get("/rest/subcontractor/v1/company", headers=auth(token)).status_code == 200
    # Wrong method and unknown function have their own documented answers.
    assert client.delete("/rest/subcontractor/v1/me", headers=auth(token)).status_code == 405
    assert client.get("/rest/subcontractor/v1/nope", headers=auth(token)).status_code == 404
    assert client.get("/rest/subcontractor/v1/me").json()["code"] == "token_missing"
