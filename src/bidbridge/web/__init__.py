"""Server-rendered pages: log in, My Account with the API tab, the support console, audit views."""

from __future__ import annotations

from fastapi import FastAPI

from bidbridge.services.runtime import Runtime
from bidbridge.web import fields as _fields  # noqa: F401  (registers the {name:id} convertor)


def register_web(app: FastAPI, runtime: Runtime) -> None:
    from bidbridge.web import pages

    pages.register(app, runtime)
