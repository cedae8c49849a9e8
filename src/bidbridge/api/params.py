"""Checking raw parameters against a function's declaration; every problem is reported at once."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import UploadFile

from bidbridge.api import json_text
from bidbridge.api.declare import Function, Param
from bidbridge.errors import InvalidParameters


def _problem(param: Param | None, name: str, kind: str, problem: str, message: str) -> dict[str, Any]:
    item: dict[str, Any] = {"parameter": name, "in": kind, "problem": problem, "message": message}
    if param is not None:
        if param.expected:
            item["expected"] = param.expected
        if param.pattern:
            item["pattern"] = param.pattern
        if param.bounds is not None:
            item["minimum"], item["maximum"] = param.bounds
    return item


def _scalar_text(value: Any) -> str | None:
    """JSON bodies may carry numbers and booleans where a form carries text."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, str):
        return value
    return None


def validate(
    fn: Function,
    template: dict[str, str],
    query: dict[str, Any],
    url_query: dict[str, Any],
) -> dict[str, Any]:
    """Return converted values keyed by parameter name, or raise InvalidParameters listing all."""
    problems: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    where = "the request body (form-encoded or JSON)" if fn.method == "POST" else "the URL path"
    for name in url_query:
        param = fn.param_index.get(name)
        if param is not None and param.kind == "query":
            message = (f"'{name}' was sent in the URL query string; {fn.name} takes its query "
                       "parameters in the request body (form-encoded or JSON).")
        else:
            message = f"{fn.name} has no parameter '{name}'. {_known(fn)}"
        problems.append(_problem(param, name, "url", "unknown", message))
    for name in query:
        param = fn.param_index.get(name)
        if param is None or param.kind != "query":
            problems.append(_problem(None, name, "query", "unknown",
                                     f"{fn.name} has no parameter '{name}'. {_known(fn)}"))
    for param in fn.params:
        source = template if param.kind == "template" else query
        if param.name not in source or _is_empty(source[param.name]):
            if param.required:
                what = param.expected or param.description
                problems.append(_problem(param, param.name, param.kind, "missing",
                                         f"'{param.name}' is required in {where}: {what}"))
            elif param.default is not None:
                values[param.name] = param.default
            continue
        try:
            values[param.name] = _convert(param, source[param.name])
        except _Invalid as exc:
            problems.append(_problem(param, exc.name or param.name, param.kind, exc.problem,
                                     exc.message))
            for name, message in exc.more:
                problems.append(_problem(param, name, param.kind, exc.problem, message))
    if problems:
        names = ", ".join(dict.fromkeys(p["parameter"] for p in problems))
        raise InvalidParameters(f"{fn.name}: invalid parameters: {names}. See 'errors' for what "
                                "each one expects.", data={"errors": problems})
    return values


def _known(fn: Function) -> str:
    names = [p.name for p in fn.params if p.kind == "query"]
    return f"Its query parameters are: {', '.join(names)}." if names else \
        f"{fn.name} takes no query parameters."


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "") or value == []


class _Invalid(Exception):
    def __init__(self, message: str, problem: str = "invalid", name: str | None = None,
                 more: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem
        self.name = name
        self.more = more or []  # further (name, message) problems in the same parameter


def _convert(param: Param, raw: Any) -> Any:
    if param.type == "file":
        files = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(f, UploadFile) for f in files):
            raise _Invalid(f"'{param.name}' must be sent as a file in a multipart/form-data body.")
        if not param.many and len(files) > 1:
            raise _Invalid(f"'{param.name}' takes one file; {len(files)} were sent.")
        return files if param.many else files[0]
    if isinstance(raw, list) and param.type != "json":
        raise _Invalid(f"'{param.name}' was given {len(raw)} times; send it once.")
    if param.type == "json":
        return _convert_json(param, raw)
    text = _scalar_text(raw)
    if text is None:
        raise _Invalid(f"'{param.name}' must be a single value, not a JSON {type(raw).__name__}. "
                       f"Expected: {param.expected or param.description}")
    if param.max_length is not None and len(text) > param.max_length:
        raise _Invalid(f"'{param.name}' holds {len(text)} characters; at most "
                       f"{param.max_length} are allowed.", problem="too_long")
    compiled = param.compiled
    if compiled is not None and not compiled.fullmatch(text):
        shown = text if len(text) <= 40 else text[:37] + "..."
        if param.secret:
            shown = "(value hidden)"
        if param.bounds is not None:
            low, high = param.bounds
            raise _Invalid(f"'{param.name}' = {shown!r} is not a whole number from {low} to "
                           f"{high}. Expected: {param.expected or param.description}",
                           problem="pattern")
        raise _Invalid(f"'{param.name}' = {shown!r} does not match {param.pattern}. Expected: "
                       f"{param.expected or param.description}", problem="pattern")
    if "\x00" in text:
        # No database stores NUL in text (PostgreSQL refuses it): refuse it here, after the pattern, by name.
        raise _Invalid(f"'{param.name}' contains a NUL character (\\u0000); remove it.",
                       problem="invalid")
    if param.type == "integer":
        return int(text)
    if param.type == "boolean":
        return text in ("1", "true")
    if param.type == "decimal":
        try:
            return Decimal(text)
        except InvalidOperation as exc:
            raise _Invalid(f"'{param.name}' is not a decimal number.") from exc
    return text


def _convert_json(param: Param, raw: Any) -> Any:
    value = raw
    if isinstance(raw, str):
        try:
            value = json_text.loads(raw)
        except json_text.JsonRefused as exc:
            raise _Invalid(f"'{param.name}' is not valid JSON we accept ({exc.reason}). "
                           f"Expected: {param.expected}") from exc
    else:
        try:
            json_text.check(value)
        except json_text.JsonRefused as exc:
            raise _Invalid(f"'{param.name}' is not JSON we accept ({exc.reason}). "
                           f"Expected: {param.expected}") from exc
    if _has_nul(value):
        raise _Invalid(f"'{param.name}' contains a NUL character (\\u0000); remove it.",
                       problem="invalid")
    if param.adapter is None:
        return value
    try:
        return param.adapter.validate_python(value)
    except ValidationError as exc:
        # One entry per offending item, so a caller fixing lines[2] also learns about lines[7].
        found: list[tuple[str, str]] = []
        for error in exc.errors():
            location = param.name + "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
            )
            found.append((location, f"{location}: {error['msg']}. Expected: {param.expected}"))
        (name, message), more = found[0], found[1:]
        raise _Invalid(message, name=name, more=more) from exc


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
