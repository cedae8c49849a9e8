"""Declaring API functions: name, parameters, handler, response model and error codes, once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic.alias_generators import to_camel

if TYPE_CHECKING:
    from bidbridge.api.call import Call

Api = Literal["subcontractor", "contractor"]
ParamKind = Literal["template", "query"]
ValueType = Literal["string", "integer", "boolean", "decimal", "json", "file"]

# Errors every authenticated function can answer; listed on every function's reference entry.
AUTH_ERRORS = ("token_missing", "token_invalid", "token_expired", "api_not_activated")
COMMON_ERRORS = ("invalid_parameters", "method_not_allowed", "rate_limited")


class ApiModel(BaseModel):
    """Response and item models: camelCase on the wire, built from ORM rows or dicts."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              from_attributes=True, serialize_by_alias=True)


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind
    description: str
    pattern: str | None = None
    required: bool = False
    type: ValueType = "string"
    expected: str = ""  # what a caller should send, in words, for error messages
    example: Any = None
    deprecated: bool = False
    secret: bool = False  # redacted in the request log
    max_length: int | None = None
    adapter: TypeAdapter[Any] | None = None  # validates "json" values
    many: bool = False  # a "file" parameter that takes several files
    default: Any = None

    def __post_init__(self) -> None:
        if self.pattern is not None:
            re.compile(self.pattern)
        if self.kind == "template" and not self.required:
            raise ValueError(f"template parameter {self.name} must be required")

    @property
    def compiled(self) -> re.Pattern[str] | None:
        return _compiled(self.pattern) if self.pattern else None


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _PATTERNS.get(pattern)
    if found is None:
        found = _PATTERNS[pattern] = re.compile(pattern)
    return found


Handler = Callable[["Call"], Any]


@dataclass(frozen=True)
class Function:
    name: str
    api: Api
    path: str
    summary: str
    params: tuple[Param, ...]
    handler: Handler
    response: type[BaseModel] | TypeAdapter[Any] | None = None
    errors: tuple[str, ...] = ()
    description: str = ""
    authenticated: bool = True
    tag: str = "General"
    status: int = 200
    # "json" or the media type of a streamed body (getDocument).
    produces: str = "application/json"
    idempotent_writes: bool = False  # honours Idempotency-Key
    # Changes nothing: its transaction writes only the request-log row. GET functions are; a POST
    # function says so (getRfps, getAuditLog). On SQLite a read-only call reads without the write
    # lock; on PostgreSQL its commit does not wait for the WAL flush (see api/request_log.py).
    read_only: bool = False
    param_index: dict[str, Param] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "param_index", {p.name: p for p in self.params})
        if self.method == "GET":
            object.__setattr__(self, "read_only", True)
        if self.read_only and self.idempotent_writes:
            raise ValueError(f"{self.name}: a read-only function has no writes to make idempotent")
        template_names = set(re.findall(r"{(\w+)}", self.path))
        declared = {p.name for p in self.params if p.kind == "template"}
        if template_names != declared:
            raise ValueError(f"{self.name}: path placeholders {template_names} != template "
                             f"parameters {declared}")
        if self.idempotent_writes and (not self.authenticated or self.method != "POST"):
            # Keys are scoped per company, and only POST functions change state.
            raise ValueError(f"{self.name}: idempotent_writes needs an authenticated POST function")

    @property
    def method(self) -> str:
        """GET when every parameter is a template; POST as soon as one is a query parameter."""
        return "POST" if any(p.kind == "query" for p in self.params) else "GET"

    @property
    def all_errors(self) -> tuple[str, ...]:
        base = AUTH_ERRORS if self.authenticated else ()
        seen: dict[str, None] = dict.fromkeys((*base, *COMMON_ERRORS, *self.errors))
        return tuple(seen)

    @property
    def has_files(self) -> bool:
        return any(p.type == "file" for p in self.params)


REGISTRY: dict[Api, dict[str, Function]] = {"subcontractor": {}, "contractor": {}}


def function(
    *,
    api: Api,
    name: str,
    path: str,
    summary: str,
    params: tuple[Param, ...] | list[Param] = (),
    response: type[BaseModel] | TypeAdapter[Any] | None = None,
    errors: tuple[str, ...] | list[str] = (),
    description: str = "",
    authenticated: bool = True,
    tag: str = "General",
    status: int = 200,
    produces: str = "application/json",
    idempotent_writes: bool = False,
    read_only: bool = False,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as API function ``name``; the only place a function is described."""

    def register(handler: Handler) -> Handler:
        fn = Function(name=name, api=api, path=path, summary=summary, params=tuple(params),
                      handler=handler, response=response, errors=tuple(errors),
                      description=description, authenticated=authenticated, tag=tag,
                      status=status, produces=produces, idempotent_writes=idempotent_writes,
                      read_only=read_only)
        table = REGISTRY[api]
        if name in table and table[name].handler is not handler:
            raise ValueError(f"API function {api}/{name} is declared twice")
        table[name] = fn
        return handler

    return register


def functions(api: Api) -> list[Function]:
    return list(REGISTRY[api].values())
