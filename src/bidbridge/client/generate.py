"""Write functions.py: one typed client method per declared API function.

    python -m bidbridge.client.generate

A test regenerates the text and compares, so a function added without regenerating fails the suite.
This module reads the server's declarations, so it runs where the platform is installed; the
client it writes imports only bidbridge.wire (the client's own distribution leaves it unused).
"""

from __future__ import annotations

import keyword
import re
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from bidbridge.api.declare import REGISTRY, Api, Function, Param
from bidbridge.api.docs.openapi import honours_idempotency_key

OUTPUT = Path(__file__).with_name("functions.py")
_PY_TYPES = {"string": "str", "integer": "int", "boolean": "bool", "decimal": "Decimal | str",
             "json": "Any", "file": "FileInput | list[FileInput]"}
_AUTO = {"login", "apiKey"}  # getToken's credentials come from the client


def declared_functions(api: Api) -> list[Function]:
    from bidbridge.api import contractor, subcontractor  # noqa: F401  (registers the functions)

    return list(REGISTRY[api].values())


def snake(name: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return text + "_" if keyword.iskeyword(text) else text


class _Imports:
    """Response models are referred to through their module: names repeat across modules."""

    def __init__(self) -> None:
        self.modules: set[str] = set()

    def use(self, cls: type) -> str:
        if not cls.__module__.startswith("bidbridge.wire."):
            # The client imports only the wire schemas, never the server: see bidbridge/wire.
            raise TypeError(f"{cls.__module__}.{cls.__name__} is a response model outside "
                            "bidbridge.wire; move it there")
        self.modules.add(cls.__module__)
        return f"{_alias(cls.__module__)}.{cls.__name__}"

    def render(self) -> list[str]:
        # Ordered as ruff's isort orders them: by package, then by name.
        return [f"from {package} import {name} as {_alias(package + '.' + name)}"
                for package, name in sorted(m.rpartition(".")[::2] for m in self.modules)]


def _alias(module: str) -> str:
    return "_" + module.removeprefix("bidbridge.wire.").replace(".", "_")


def _annotation(tp: Any, imports: _Imports) -> str:
    origin = typing.get_origin(tp)
    if origin is None:
        if tp is type(None):
            return "None"
        if isinstance(tp, type) and tp.__module__ == "builtins":
            return tp.__name__
        if isinstance(tp, type):
            return imports.use(tp)
        return "Any"
    args = typing.get_args(tp)
    if origin in (list, dict, tuple, set):
        return f"{origin.__name__}[{', '.join(_annotation(a, imports) for a in args)}]"
    if origin in (typing.Union, __import__("types").UnionType):
        return " | ".join(_annotation(a, imports) for a in args)
    return "Any"


def _returns(fn: Function, imports: _Imports) -> str:
    if fn.produces != "application/json":
        return "Download"
    response = fn.response
    if isinstance(response, TypeAdapter):
        return _annotation(response._type, imports)
    if isinstance(response, type) and issubclass(response, BaseModel):
        return imports.use(response)
    return "Any"


def _parsed(fn: Function, imports: _Imports) -> str:
    """The type the answer is parsed as: a wire model, a list of them, or None (plain JSON)."""
    response = fn.response
    if isinstance(response, TypeAdapter):
        return _annotation(response._type, imports)
    if isinstance(response, type) and issubclass(response, BaseModel):
        return imports.use(response)
    return "None"


def _signature(fn: Function) -> tuple[list[str], list[Param]]:
    required = [p for p in fn.params if p.required and p.name not in _AUTO]
    optional = [p for p in fn.params if not p.required and p.name not in _AUTO]
    args = ["self"]
    args += [f"{snake(p.name)}: {_PY_TYPES[p.type]}" for p in required]
    extra: list[str] = []
    if optional or honours_idempotency_key(fn) or fn.produces != "application/json":
        extra.append("*")
    extra += [f"{snake(p.name)}: {_PY_TYPES[p.type]} | None = None" for p in optional]
    return args + extra, [*required, *optional]


def _method(fn: Function, imports: _Imports) -> list[str]:
    args, params = _signature(fn)
    streamed = fn.produces != "application/json"
    if streamed:
        args = [*args[:1], *[a for a in args[1:] if a != "*"], "dest: str | os.PathLike[str]", "*",
                *[a for a in args[1:] if "=" in a],
                "expected_sha256: str | None = None",
                "progress: Callable[[int, int | None], None] | None = None"]
        args = [a for i, a in enumerate(args) if not (a == "*" and "*" in args[:i])]
    if honours_idempotency_key(fn):
        args.append("idempotency_key: str | None = None")
    returns = _returns(fn, imports)
    path = fn.path
    for p in fn.params:
        if p.kind == "template":
            path = path.replace("{" + p.name + "}", "{_segment(" + snake(p.name) + ")}")
    lines = [f"    def {snake(fn.name)}({', '.join(args)}) -> {returns}:",
             f'        """{fn.summary} ({fn.method} {fn.path})"""']
    if streamed:
        lines.append(f'        return self.download("{fn.name}", f"{path}", dest, '
                     "expected_sha256=expected_sha256, progress=progress)")
        return lines
    values = []
    for p in params:
        if p.kind != "query":
            continue
        value = snake(p.name)
        if p.type == "file":
            value = f"None if {value} is None else FileArg({value})"
        values.append(f'"{p.name}": {value}')
    if fn.name == "getToken":
        values = ['"login": self.login', '"apiKey": self._api_key', *values]
    call_args = [f'"{fn.name}"', f'f"{path}"' if "{" in path else f'"{path}"', f'"{fn.method}"',
                 "{" + ", ".join(values) + "}"]
    if not fn.authenticated:
        call_args.append("authenticated=False")
    if honours_idempotency_key(fn):
        call_args += ["idempotent=True", "idempotency_key=idempotency_key"]
    lines.append(f'        body = self.call({", ".join(call_args)})')
    lines.append(f"        return parse({_parsed(fn, imports)}, body)")
    return lines


def render() -> str:
    imports = _Imports()
    classes: list[str] = []
    apis: tuple[Api, ...] = ("subcontractor", "contractor")
    for api in apis:
        api_name = api
        body = [f"class {api.capitalize()}Functions(BaseClient):",
                f'    """Every function of the {api} API."""', "", f'    api = "{api}"']
        for fn in sorted(declared_functions(api_name), key=lambda f: f.name):
            body += ["", *_method(fn, imports)]
        classes.append("\n".join(body))
    head = [
        '"""Generated by `python -m bidbridge.client.generate` from the API declarations; do not '
        'edit."""',
        "",
        "# ruff: noqa: E501",
        "from __future__ import annotations",
        "",
        "import os",
        "from collections.abc import Callable",
        "from decimal import Decimal",
        "from typing import Any",
        "from urllib.parse import quote",
        "",
        "from bidbridge.client.core import BaseClient, Download, FileArg, FileInput, parse",
        *imports.render(),
        "",
        "",
        "def _segment(value: object) -> str:",
        '    return quote(str(value), safe="")',
    ]
    text = "\n".join(head) + "\n\n\n" + "\n\n\n".join(classes) + "\n"
    # Names used only in some signatures: keep the imports valid whatever the declarations are.
    text += "\n\n__all__ = [\"ContractorFunctions\", \"SubcontractorFunctions\"]\n"
    text += "_USED = (Any, Callable, Decimal, Download, FileArg, FileInput, os)\n"
    return text


def main() -> None:
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
