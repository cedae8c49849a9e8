"""Credentials, password hashing and the authenticated principal."""
