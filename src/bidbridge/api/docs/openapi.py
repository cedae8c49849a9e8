"""The OpenAPI 3.1 document of one API, generated from the function declarations."""

from __future__ import annotations

from functools import cache
from typing import Any

from bidbridge.api.declare import Api, Function, functions
from bidbridge.api.dispatch import API_PREFIX
from bidbridge.api.docs.errors import ErrorCode, errors_by_status
from bidbridge.api.docs.schemas import SchemaCollector, form_schema, json_body_schema, wire_schema

VERSION = "1"
PROBLEM_MEDIA = "application/problem+json"
HEADER_REQUEST_ID = {"$ref": "#/components/headers/XRequestId"}

_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details with a stable machine code.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri",
                 "description": "https://bidbridge.dev/problems/<code>; explained in the reference."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What happened and what to do about it."},
        "code": {"type": "string", "description": "Stable machine-readable error code."},
        "requestId": {"type": "string", "description": "Same as the X-Request-Id header."},
        "retryAfter": {"type": "integer", "description": "Seconds to wait (429 and 503)."},
        "allowedMethods": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}
_PARAMETER_PROBLEM = {
    "type": "object",
    "required": ["parameter", "in", "problem", "message"],
    "properties": {
        "parameter": {"type": "string", "description": "The parameter (or part of a JSON value)."},
        "in": {"type": "string", "enum": ["template", "query", "url", "header"]},
        "problem": {"type": "string", "description": "missing, pattern, invalid, too_long, unknown"},
        "message": {"type": "string"},
        "expected": {"type": "string"},
        "pattern": {"type": "string"},
        "minimum": {"type": "integer", "description": "The lowest number a parameter takes."},
        "maximum": {"type": "integer", "description": "The highest number a parameter takes."},
    },
}
_VALIDATION_PROBLEM = {
    "description": "invalid_parameters always lists every problem in 'errors'.",
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {"type": "object",
         "properties": {"errors": {"type": "array", "minItems": 1,
                                   "items": {"$ref": "#/components/schemas/ParameterProblem"}}},
         "if": {"properties": {"code": {"const": "invalid_parameters"}}},
         "then": {"required": ["errors"]}},
    ],
}


def honours_idempotency_key(fn: Function) -> bool:
    """Declared so, or a submission (submissions always take an Idempotency-Key)."""
    return fn.idempotent_writes or (fn.method == "POST" and fn.name.startswith("submit"))


@cache
def openapi_document(api: Api) -> dict[str, Any]:
    """Built once per process: the declarations do not change while it runs."""
    return build_openapi(api)


def build_openapi(api: Api) -> dict[str, Any]:
    collector = SchemaCollector(functions(api))
    paths: dict[str, dict[str, Any]] = {}
    for fn in functions(api):
        paths.setdefault(fn.path, {})[fn.method.lower()] = _operation(fn, collector)
    prefix = API_PREFIX[api]
    schemas = {"Problem": _PROBLEM, "ParameterProblem": _PARAMETER_PROBLEM,
               "ValidationProblem": _VALIDATION_PROBLEM, **dict(sorted(collector.schemas.items()))}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"bidbridge {api} API",
            "version": VERSION,
            "description": (
                f"Every function of the {api} API. Get a token with getToken (POST /tokens) and "
                "send it as X-Auth-Token. Functions with only template parameters are called with "
                "GET; any query parameter makes it POST, sent form-encoded, as multipart/form-data "
                f"or as JSON. The function reference with examples is at {prefix}."),
        },
        "servers": [{"url": prefix}],
        "externalDocs": {"description": "Function reference", "url": prefix},
        "security": [{"XAuthToken": []}],
        "tags": [{"name": t} for t in dict.fromkeys(fn.tag for fn in functions(api))],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"XAuthToken": {
                "type": "apiKey", "in": "header", "name": "X-Auth-Token",
                "description": "The token from getToken; valid for one hour."}},
            "headers": {
                "XRequestId": {"description": "Identifies the call; quote it to support.",
                               "schema": {"type": "string"}},
                "RetryAfter": {"description": "Seconds to wait before retrying.",
                               "schema": {"type": "integer"}},
            },
        },
    }


def _operation(fn: Function, collector: SchemaCollector) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": fn.name,
        "summary": fn.summary,
        "tags": [fn.tag],
        "parameters": [
            *({"name": p.name, "in": "path", "required": True, "description": p.description,
               "deprecated": p.deprecated, "schema": wire_schema(p)}
              for p in fn.params if p.kind == "template"),
            {"name": "X-Request-Id", "in": "header", "required": False,
             "description": "Your own id for this call (8–64 of A-Z a-z 0-9 . _ -); echoed back.",
             "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{8,64}$"}},
        ],
        "responses": _responses(fn, collector),
    }
    if fn.description:
        op["description"] = fn.description
    if honours_idempotency_key(fn):
        op["parameters"].append({
            "name": "Idempotency-Key", "in": "header", "required": False,
            "description": "A unique key per intended write (a UUID); a retry with the same key "
                           "returns the first answer instead of writing twice.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                       "pattern": "^[\\x21-\\x7e]{1,255}$"}})
    if not fn.authenticated:
        op["security"] = []
    body = _request_body(fn, collector)
    if body:
        op["requestBody"] = body
    return op


def _request_body(fn: Function, collector: SchemaCollector) -> dict[str, Any] | None:
    query = [p for p in fn.params if p.kind == "query"]
    if not query:
        return None
    required = [p.name for p in query if p.required]

    def obj(properties: dict[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "properties": properties,
                                  "additionalProperties": False}
        if required:
            schema["required"] = required
        return schema

    content: dict[str, Any] = {}
    files_required = any(p.type == "file" and p.required for p in query)
    if not files_required:
        plain = [p for p in query if p.type != "file"]
        content["application/x-www-form-urlencoded"] = {
            "schema": obj({p.name: form_schema(p, collector) for p in plain})}
        content["application/json"] = {
            "schema": obj({p.name: json_body_schema(p, collector) for p in plain})}
    if fn.has_files:
        content["multipart/form-data"] = {
            "schema": obj({p.name: form_schema(p, collector) for p in query})}
    return {"required": bool(required), "content": content}


def _responses(fn: Function, collector: SchemaCollector) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": fn.summary, "headers": {"X-Request-Id": HEADER_REQUEST_ID}}
    responses: dict[str, Any] = {str(fn.status): ok}
    if fn.produces == "application/json":
        ok["content"] = {"application/json": {"schema": collector.response(fn)}}
        if fn.status == 201:
            responses["200"] = {
                "description": "A replay: the answer to an earlier request with the same "
                               "Idempotency-Key; nothing new was created.",
                "headers": {"X-Request-Id": HEADER_REQUEST_ID},
                "content": {"application/json": {"schema": collector.response(fn)}}}
    else:
        binary = {"schema": {"type": "string", "format": "binary"}}
        ok["content"] = {fn.produces: binary}
        ok["headers"]["ETag"] = {"description": "The SHA-256 of the bytes, quoted.",
                                 "schema": {"type": "string"}}
        responses["206"] = {"description": "The requested byte range (Range header).",
                            "headers": {"X-Request-Id": HEADER_REQUEST_ID},
                            "content": {fn.produces: binary}}
        responses["304"] = {"description": "Not modified: If-None-Match matched the ETag.",
                            "headers": {"X-Request-Id": HEADER_REQUEST_ID}}
    for status, codes in errors_by_status(fn).items():
        responses[str(status)] = _error_response(status, codes)
    return responses


def _error_response(status: int, codes: list[ErrorCode]) -> dict[str, Any]:
    base = "#/components/schemas/" + ("ValidationProblem" if status == 422 else "Problem")
    schema = {"allOf": [{"$ref": base},
                        {"type": "object",
                         "properties": {"code": {"enum": [c.code for c in codes]}}}]}
    headers: dict[str, Any] = {"X-Request-Id": HEADER_REQUEST_ID}
    if status in (429, 503):
        headers["Retry-After"] = {"$ref": "#/components/headers/RetryAfter"}
    if status == 405:
        headers["Allow"] = {"description": "The method this path accepts.",
                            "schema": {"type": "string"}}
    description = " ".join(f"`{c.code}`: {c.meaning}" for c in codes)
    return {"description": description, "headers": headers,
            "content": {PROBLEM_MEDIA: {"schema": schema}}}
