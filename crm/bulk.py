"""Bulk writes for imports and demo data: Core inserts, not one ORM object per row."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

T = TypeVar("T")

BATCH_SIZE = 5_000


def batched(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts `rows` (dicts keyed by column name) in executemany batches."""
    for batch in batched(rows):
        session.execute(insert(table), batch)


def insert_returning_ids(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Inserts `rows` and returns their new primary keys in the same order.

    The database assigns the ids (so concurrent writers and PostgreSQL sequences stay right);
    `sort_by_parameter_order` keeps RETURNING aligned with the input on every backend.
    """
    ids: list[int] = []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for batch in batched(rows):
        ids.extend(session.scalars(statement, batch).all())
    return ids
