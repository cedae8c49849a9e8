"""The ASGI entry point for servers: `uvicorn bidbridge.asgi:app`."""

from bidbridge.app import create_app

app = create_app()
