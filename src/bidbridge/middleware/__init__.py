"""ASGI middleware that applies to every request, whatever route answers it."""
