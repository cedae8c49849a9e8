"""Placeholder until the web pages land: a home page and error pages."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bidbridge.services.runtime import Runtime


def register(app: FastAPI, runtime: Runtime) -> None:
    @app.get("/", response_class=HTMLResponse)
    async def home() -> str:
        return "<h1>bidbridge</h1>"


def error_page(request: Request, status: int, detail: str) -> Response:
    return HTMLResponse(f"<h1>{status}</h1><p>{detail}</p>", status_code=status)
