"""Routes of the documentation: reference page, OpenAPI, interactive docs, Postman collection."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bidbridge.api.declare import Api
from bidbridge.api.dispatch import API_PREFIX
from bidbridge.api.docs.openapi import openapi_document
from bidbridge.api.docs.postman import build_collection
from bidbridge.api.docs.reference import (
    OWN_ASSETS,
    SWAGGER_ASSETS,
    render_reference,
    render_swagger,
)

# Our pages load nothing but our own files; Swagger UI sets some styles inline.
_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self' "
                                "'unsafe-inline'; object-src 'none'; base-uri 'none'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
}


def _swagger_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).with_name("static")


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def docs_routes(api: Api) -> list[BaseRoute]:
    """Must be added before the API's own routes: its catch-all would answer these paths."""
    prefix = API_PREFIX[api]

    async def reference(request: Request) -> Response:
        return HTMLResponse(render_reference(api, _origin(request)), headers=_HEADERS)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(api), headers={"Access-Control-Allow-Origin": "*"})

    async def swagger(request: Request) -> Response:
        return HTMLResponse(render_swagger(api), headers=_HEADERS)

    async def postman(request: Request) -> Response:
        return JSONResponse(build_collection(api, _origin(request)), headers={
            "Content-Disposition": f'attachment; filename="bidbridge-{api}.postman_collection.json"'})

    async def slash(request: Request) -> Response:
        return RedirectResponse(prefix, status_code=308)

    return [
        Route(prefix, reference, methods=["GET"], name=f"{api}:reference"),
        Route(prefix + "/", slash, methods=["GET"]),
        Route(prefix + "/openapi.json", openapi, methods=["GET"], name=f"{api}:openapi"),
        Route(prefix + "/docs", swagger, methods=["GET"], name=f"{api}:docs"),
        Route(prefix + "/postman.json", postman, methods=["GET"], name=f"{api}:postman"),
    ]


def asset_routes() -> list[BaseRoute]:
    return [
        Mount(SWAGGER_ASSETS, StaticFiles(directory=_swagger_dir()), name="swagger-ui"),
        Mount(OWN_ASSETS, StaticFiles(directory=Path(__file__).with_name("static")),
              name="docs-assets"),
    ]
