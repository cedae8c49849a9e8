"""Declaring API functions: name, parameters, handler, response model and error codes, once."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Literal, TypeVar, dataclass_transform

from pydantic import BaseModel, TypeAdapter
from pydantic.alias_generators import to_camel
from starlette.datastructures import UploadFile

from bidbridge.ids import ID_PATTERN, MAX_ID
from bidbridge.wire import ApiModel as ApiModel  # re-exported: the models import it from here

Api = Literal["subcontractor", "contractor"]
ParamKind = Literal["template", "query"]
ValueType = Literal["string", "integer", "boolean", "decimal", "json", "file"]

# Errors every authenticated function can answer; listed on every function's reference entry.
AUTH_ERRORS = ("token_missing", "token_invalid", "token_expired", "api_not_activated")
COMMON_ERRORS = ("invalid_parameters", "method_not_allowed", "rate_limited")




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
    # The (lowest, highest) whole number an "integer" parameter's pattern admits: named in the
    # error message instead of the pattern, and the JSON number form's minimum and maximum.
    bounds: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.pattern is not None:
            re.compile(self.pattern)
        if self.bounds is not None:
            low, high = self.bounds
            admits = _compiled(self.pattern or "").fullmatch
            if self.type != "integer" or not (admits(str(low)) and admits(str(high))
                                              and not admits(str(high + 1))
                                              and (low <= 0 or not admits(str(low - 1)))):
                raise ValueError(f"parameter {self.name}: the bounds {self.bounds} are not those "
                                 "of its integer pattern")
        if self.kind == "template" and not self.required:
            raise ValueError(f"template parameter {self.name} must be required")

    @property
    def compiled(self) -> re.Pattern[str] | None:
        return _compiled(self.pattern) if self.pattern else None


_PATTERNS: dict[str, re.Pattern[str]] = {}


def id_parameter(name: str, kind: ParamKind, description: str, *, expected: str,
                 required: bool = False, example: Any = None, deprecated: bool = False) -> Param:
    """A parameter naming a row by its id: 1 to MAX_ID, the range of the 32-bit id columns,
    checked by its pattern; nothing behind it compares a column with a larger number."""
    return Param(name, kind, description, pattern=ID_PATTERN, required=required, type="integer",
                 expected=expected, example=example, deprecated=deprecated,
                 bounds=(1, MAX_ID))


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _PATTERNS.get(pattern)
    if found is None:
        found = _PATTERNS[pattern] = re.compile(pattern)
    return found


# handler(call, args), args being the function's typed input model (NoInput when it takes none).
Handler = Callable[[Any, Any], Any]
H = TypeVar("H", bound=Handler)

_SCALARS: dict[object, ValueType] = {int: "integer", bool: "boolean", Decimal: "decimal",
                                      str: "string", UploadFile: "file"}


@dataclass_transform(kw_only_default=True, frozen_default=True)
class Input:
    """A function's parameters, typed: each field is ``Annotated[type, Param(...)]``.

    The field's name is the parameter's in snake_case (``rfp_id`` for ``rfpId``); its type says
    what the handler gets (``int``, ``bool``, ``Decimal``, ``str``, ``UploadFile``,
    ``list[UploadFile]``, or any type pydantic validates for a "json" parameter); ``X | None = None``
    marks an optional parameter. The Param carries what the docs, the error messages and the
    client need. The class is checked against its Params when it is defined, so a declaration that
    disagrees with its types fails at import, not at the first call.
    """

    PARAMS: ClassVar[tuple[Param, ...]] = ()
    _WIRE: ClassVar[tuple[tuple[str, str], ...]] = ()  # (field, wire name)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)
        params, wire = _read_fields(cls)
        # Template parameters first (an input may inherit its query fields from a base class).
        cls.PARAMS = tuple(sorted(params, key=lambda p: p.kind != "template"))
        cls._WIRE = tuple(wire)

    @classmethod
    def of(cls, values: dict[str, Any]) -> Any:
        """The input from validated values keyed by wire name (see api/params.py)."""
        return cls(**{attr: values[name] for attr, name in cls._WIRE if name in values})

    def sent(self) -> dict[str, Any]:
        """The parameters the caller sent (and those with a default), keyed by wire name: an
        optional parameter left out is None here, and is not in this dict."""
        return {name: value for attr, name in self._WIRE
                if (value := getattr(self, attr)) is not None}


def _read_fields(cls: type[Input]) -> tuple[list[Param], list[tuple[str, str]]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    params: list[Param] = []
    wire: list[tuple[str, str]] = []
    for item in dataclasses.fields(cls):  # type: ignore[arg-type]
        hint = hints[item.name]
        where = f"{cls.__name__}.{item.name}"
        found = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Param)]
        if len(found) != 1:
            raise TypeError(f"{where} needs exactly one Param: Annotated[<type>, Param(...)]")
        param = found[0]
        if param.name not in (to_camel(item.name), item.name):  # address_1 stays address_1
            raise TypeError(f"{where} declares parameter {param.name!r}; name the field "
                            f"after it in snake_case")
        base, optional = _unwrap(typing.get_args(hint)[0])
        has_default = item.default is not dataclasses.MISSING
        if param.required and (optional or has_default):
            raise TypeError(f"{where}: a required parameter has a plain type and no default")
        if not param.required:
            expected_default = param.default
            if not has_default or item.default != expected_default:
                raise TypeError(f"{where}: an optional parameter's default is "
                                f"{expected_default!r} (the Param's default)")
            if expected_default is None and not optional:
                raise TypeError(f"{where}: an optional parameter without a default is X | None")
        kind = _value_type(base)
        if kind != param.type and not (kind == "json" and param.type == "json"):
            raise TypeError(f"{where}: type {base!r} does not fit a {param.type!r} parameter")
        if param.type == "file" and param.many != (typing.get_origin(base) is list):
            raise TypeError(f"{where}: a many-file parameter is list[UploadFile], one file is "
                            "UploadFile")
        if param.type == "json" and param.adapter is None and base is not Any:
            param = dataclasses.replace(param, adapter=TypeAdapter(base))
        params.append(param)
        wire.append((item.name, param.name))
    return params, wire


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """(the type without None, whether None was allowed)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return hint, False


def _value_type(base: Any) -> ValueType:
    if typing.get_origin(base) is list and typing.get_args(base) == (UploadFile,):
        return "file"
    return _SCALARS.get(base, "json")


class NoInput(Input):
    """The input of a function that takes no parameters."""


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
    # A read of a few indexed statements and a small answer: it runs on the event loop instead
    # of hopping to a worker thread (whose hand-over cost as much CPU as the call's work). Never
    # for a call that can take long: it would stall every other call of the process.
    light: bool = False
    # Usually only reads: it runs as a read-only call first, and a handler that finds it must
    # change something says so (``Call.write_needed()``); the call then runs again from the
    # start in a write transaction. getToken: handing back the current token is a read.
    read_first: bool = False
    input: type[Input] = NoInput  # the typed input: handler(call, args)
    param_index: dict[str, Param] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "param_index", {p.name: p for p in self.params})
        if self.method == "GET":
            object.__setattr__(self, "read_only", True)
        if self.light and not (self.read_only or self.read_first):
            raise ValueError(f"{self.name}: only a read-only function runs on the event loop "
                             "(a read_first one's writing run takes a worker thread)")
        if self.read_first and (self.read_only or self.idempotent_writes):
            raise ValueError(f"{self.name}: read_first is for a function that may write, "
                             "without Idempotency-Key")
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
    input: type[Input],
    response: type[BaseModel] | TypeAdapter[Any] | None = None,
    errors: tuple[str, ...] | list[str] = (),
    description: str = "",
    authenticated: bool = True,
    tag: str = "General",
    status: int = 200,
    produces: str = "application/json",
    idempotent_writes: bool = False,
    read_only: bool = False,
    light: bool = False,
    read_first: bool = False,
) -> Callable[[H], H]:
    """Register ``handler`` as API function ``name``; the only place a function is described.

    The parameters are the typed ``input`` model (``NoInput`` for none); the handler is
    ``handler(call, args)`` with ``args`` an instance of it, its values checked and converted.
    """
    if not (isinstance(input, type) and issubclass(input, Input)):
        raise TypeError(f"{name}: input= takes an Input subclass (NoInput for no parameters)")
    params = input.PARAMS

    def register(handler: H) -> H:
        fn = Function(name=name, api=api, path=path, summary=summary, params=tuple(params),
                      handler=handler, response=response, errors=tuple(errors),
                      description=description, authenticated=authenticated, tag=tag,
                      status=status, produces=produces, idempotent_writes=idempotent_writes,
                      read_only=read_only, light=light, read_first=read_first,
                      input=input)
        table = REGISTRY[api]
        if name in table and table[name].handler is not handler:
            raise ValueError(f"API function {api}/{name} is declared twice")
        table[name] = fn
        return handler

    return register


def functions(api: Api) -> list[Function]:
    return list(REGISTRY[api].values())
