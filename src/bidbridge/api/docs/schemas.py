"""JSON Schemas of response models and parameter types, with shared definitions in components."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from bidbridge.api.declare import Function, Param

REF = "#/components/schemas/{model}"


class SchemaCollector:
    """All schemas of one API generated in one go, so pydantic gives two different models of the
    same name distinct component names (and input/output variants where they differ)."""

    def __init__(self, fns: list[Function]) -> None:
        inputs: list[tuple[tuple[str, int], JsonSchemaMode, TypeAdapter[Any]]] = []
        for fn in fns:
            if fn.response is not None and fn.produces == "application/json":
                inputs.append((("response", id(fn)), "serialization", _adapter(fn.response)))
            for param in fn.params:
                if param.type == "json" and param.adapter is not None:
                    inputs.append((("param", id(param)), "validation", param.adapter))
        by_key, top = TypeAdapter.json_schemas(inputs, by_alias=True, ref_template=REF)
        self.schemas: dict[str, dict[str, Any]] = dict(top.get("$defs", {}))
        self._by_key = {key: schema for (key, _), schema in by_key.items()}

    def response(self, fn: Function) -> dict[str, Any]:
        """The serialised (camelCase, by alias) schema of a function's answer."""
        return dict(self._by_key.get(("response", id(fn)), {"type": "object"}))

    def json_input(self, param: Param) -> dict[str, Any]:
        """What a "json" parameter accepts (validation mode: what callers send)."""
        return dict(self._by_key.get(("param", id(param)), {}))


def _adapter(response: type[BaseModel] | TypeAdapter[Any]) -> TypeAdapter[Any]:
    return response if isinstance(response, TypeAdapter) else TypeAdapter(response)


def wire_schema(param: Param) -> dict[str, Any]:
    """A parameter as text on the wire (path segment or form field): a string and its pattern."""
    schema: dict[str, Any] = {"type": "string"}
    if param.pattern:
        schema["pattern"] = param.pattern
    if param.max_length:
        schema["maxLength"] = param.max_length
    return _annotate(schema, param)


_JSON_TYPES: dict[str, list[str]] = {
    "string": ["string"],
    "integer": ["integer", "string"],
    "boolean": ["boolean", "integer", "string"],
    "decimal": ["number", "string"],
}


def json_body_schema(param: Param, collector: SchemaCollector) -> dict[str, Any]:
    """A parameter inside an application/json body: native JSON types are accepted too."""
    if param.type == "json":
        return _annotate(collector.json_input(param), param, native=True)
    schema: dict[str, Any] = {"type": _JSON_TYPES.get(param.type, ["string"])}
    if param.pattern:
        schema["pattern"] = param.pattern  # applies to the string form
    if param.bounds is not None:
        schema["minimum"], schema["maximum"] = param.bounds  # and these to the number form
    if param.max_length:
        schema["maxLength"] = param.max_length
    return _annotate(schema, param, native=True)


def file_schema(param: Param) -> dict[str, Any]:
    one = {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}
    schema: dict[str, Any] = {"type": "array", "items": one} if param.many else dict(one)
    return _annotate(schema, param)


def form_schema(param: Param, collector: SchemaCollector) -> dict[str, Any]:
    if param.type == "file":
        return file_schema(param)
    schema = wire_schema(param)
    if param.type == "json":
        schema["contentMediaType"] = "application/json"
        inner = collector.json_input(param)
        if inner:
            schema["contentSchema"] = inner
    return schema


def _annotate(schema: dict[str, Any], param: Param, native: bool = False) -> dict[str, Any]:
    """Description, deprecation and the declared example (as text on the wire unless native)."""
    schema["description"] = param.description
    if param.deprecated:
        schema["deprecated"] = True
    example = param.example
    if example is not None and param.type != "file" and not param.secret:
        if not native:
            example = example_text(param, example)
        schema["examples"] = [example]
    return schema


def example_text(param: Param, value: Any) -> str:
    """A value as it travels in a form field or URL path."""
    if param.type == "json" and not isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
