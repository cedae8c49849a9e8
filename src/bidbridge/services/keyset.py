"""Keyset paging, once: every paged list (API and web) reads its pages through here.

A page continues after the last row's position in the list's order (its sort key, then the id
that breaks ties), never at an offset: rows that change or arrive meanwhile neither shift nor
repeat a page, and the database walks the index from the position on. The position is compared
as a row value, ``(key, id) > (:key, :id)``, which PostgreSQL and SQLite both read as one index
range. One row more than the page is fetched to learn whether another page follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Slice(Generic[T]):
    rows: list[T]
    more: bool  # another page follows the last row


def after_position(query: Select[*tuple[Any, ...]], key: Sequence[Any], after: Sequence[Any],
                   *, descending: bool = False) -> Select[*tuple[Any, ...]]:
    """``query`` narrowed to the rows after position ``after`` (values, or bind parameters for a
    statement built once) in the order of ``key``."""
    if len(after) != len(key):
        raise ValueError("a position has one value per key column")
    position = key[0] if len(key) == 1 else tuple_(*key)
    bound = after[0] if len(key) == 1 else tuple_(*after)
    return query.where(position < bound if descending else position > bound)


def ordered(query: Select[*tuple[Any, ...]], key: Sequence[Any], limit: Any, *,
            descending: bool = False) -> Select[*tuple[Any, ...]]:
    """``query`` in the order of ``key``, one row more than the page (``limit``: a number or a
    bind parameter)."""
    order = [c.desc() for c in key] if descending else [c.asc() for c in key]
    return query.order_by(*order).limit(limit + 1)


def sliced(found: list[T], limit: int) -> Slice[T]:
    """The page of rows fetched by an :func:`ordered` statement."""
    return Slice(found[:limit], len(found) > limit)


def fetch(session: Session, query: Select[*tuple[Any, ...]], key: Sequence[Any],
          after: Sequence[Any] | None, limit: int, *, descending: bool = False,
          scalars: bool = True) -> Slice[Any]:
    """The ``limit`` rows of ``query`` that follow position ``after`` (values of ``key``, None for
    the first page) in the order of ``key``, ascending or descending. ``scalars``: the rows are
    the first column's entities, else the result's rows."""
    if after is not None:
        query = after_position(query, key, after, descending=descending)
    query = ordered(query, key, limit, descending=descending)
    found = list(session.scalars(query) if scalars else session.execute(query).all())
    return sliced(found, limit)
