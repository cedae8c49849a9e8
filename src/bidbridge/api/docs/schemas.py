"""JSON Schemas of response models and parameter types, with shared definitions in components."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, TypeAdapter

from bidbridge.api.declare import Param

REF = "#/components/schemas/{model}"
INPUT_REF = "#/components/schemas/{model}Input"


class SchemaCollector:
    """Collects named schemas; one name must always mean one schema."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}

    def add(self, name: str, schema: dict[str, Any]) -> None:
        known = self.schemas.get(name)
        if known is not None and known != schema:
            raise ValueError(f"two different response models are both called {name!r}; rename one "
                             "so the OpenAPI components stay unambiguous")
        self.schemas[name] = schema

    def response(self, response: type[BaseModel] | TypeAdapter[Any] | None) -> dict[str, Any]:
        """The serialised (camelCase, by alias) schema of a function's answer."""
        if response is None:
            return {"type": "object"}
        if isinstance(response, TypeAdapter):
            schema = response.json_schema(mode="serialization", by_alias=True, ref_template=REF)
            return self._hoist(schema, "")
        schema = response.model_json_schema(mode="serialization", by_alias=True, ref_template=REF)
        top = self._hoist(schema, "")
        self.add(response.__name__, top)
        return {"$ref": REF.format(model=response.__name__)}

    def json_input(self, adapter: TypeAdapter[Any] | None) -> dict[str, Any]:
        """What a "json" parameter accepts (validation mode: what callers send)."""
        if adapter is None:
            return {}
        schema = adapter.json_schema(mode="validation", by_alias=True, ref_template=INPUT_REF)
        return self._hoist(schema, "Input")

    def _hoist(self, schema: dict[str, Any], suffix: str) -> dict[str, Any]:
        for name, definition in schema.pop("$defs", {}).items():
            self.add(name + suffix, definition)
        return schema


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
        return _annotate(collector.json_input(param.adapter), param, native=True)
    schema: dict[str, Any] = {"type": _JSON_TYPES.get(param.type, ["string"])}
    if param.pattern:
        schema["pattern"] = param.pattern  # applies to the string form
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
        inner = collector.json_input(param.adapter)
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
