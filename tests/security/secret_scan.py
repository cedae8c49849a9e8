"""Looking for raw secrets in every text, JSON and binary column of every table."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.models import Base


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def find_in_database(session: Session, needles: dict[str, str]) -> list[str]:
    """Every (table.column, needle name) where a needle occurs; empty when the database is clean."""
    hits: list[str] = []
    scanned = 0
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column, value in row.items():
                text = _as_text(value)
                scanned += 1
                hits.extend(f"{table.name}.{column} holds {name}"
                            for name, needle in needles.items() if needle in text)
    assert scanned > 0, "nothing was scanned"
    return hits


def find_in_text(text: str, needles: dict[str, str], where: str) -> list[str]:
    return [f"{where} holds {name}" for name, needle in needles.items() if needle in text]
