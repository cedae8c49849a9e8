"""TEMPORARY scaffolding: a minimal OpenAPI document built from the declarations, used only
while the published documents (/rest/<api>/v1/openapi.json) are not served yet."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter

from bidbridge.api.declare import Api, Function, Param, functions
from bidbridge.api.dispatch import API_PREFIX

_PROBLEM = {"type": "object", "required": ["type", "title", "status", "detail", "code"]}


def _param_schema(p: Param) -> dict[str, Any]:
    if p.type == "file":
        return {"type": "string", "format": "binary"}
    schema: dict[str, Any] = {"type": "string"}
    if p.pattern:
        schema["pattern"] = p.pattern
    return schema


def _response_schema(fn: Function) -> dict[str, Any]:
    if isinstance(fn.response, TypeAdapter):
        return fn.response.json_schema(by_alias=True, mode="serialization")
    if isinstance(fn.response, type) and issubclass(fn.response, BaseModel):
        return fn.response.model_json_schema(by_alias=True, mode="serialization")
    return {}


def build(api: Api) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for fn in functions(api):
        op: dict[str, Any] = {
            "operationId": fn.name,
            "parameters": [{"name": p.name, "in": "path", "required": True,
                            "schema": _param_schema(p)} for p in fn.params if p.kind == "template"],
            "responses": {str(fn.status): {"description": "ok", "content": {
                "application/json": {"schema": _response_schema(fn)}}},
                "default": {"description": "problem", "content": {
                    "application/problem+json": {"schema": _PROBLEM}}}},
        }
        query = [p for p in fn.params if p.kind == "query"]
        if query:
            media = "multipart/form-data" if fn.has_files else "application/x-www-form-urlencoded"
            op["requestBody"] = {"content": {media: {"schema": {
                "type": "object", "additionalProperties": False,
                "properties": {p.name: _param_schema(p) for p in query},
                "required": [p.name for p in query if p.required]}}}}
        paths.setdefault(fn.path, {})[fn.method.lower()] = op
    return {"openapi": "3.1.0", "info": {"title": api, "version": "scaffold"},
            "servers": [{"url": API_PREFIX[api]}], "paths": paths}
