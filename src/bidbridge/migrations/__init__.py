"""Alembic migrations; the schema of every database, the test databases included, comes from here."""
