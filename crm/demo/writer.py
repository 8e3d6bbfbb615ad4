"""Writes a generated demo shop into the store with Core bulk inserts, in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from crm.bulk import batched, insert_returning_ids, insert_rows
from crm.db import StoreError
from crm.demo.generator import DemoShop, generate_shop
from crm.models import Base, Customer, Product
from crm.uow import UnitOfWork

Row = dict[str, Any]


class StoreNotEmpty(StoreError):
    """The store already holds customers or products; demo data would mix with them."""


def _foreign_keys(table: Table) -> dict[str, str]:
    """Column name -> the table it points at, for every foreign-key column."""
    return {column.name: fk.column.table.name for column in table.columns for fk in column.foreign_keys}


def _referenced_tables() -> set[str]:
    return {target for table in Base.metadata.tables.values() for target in _foreign_keys(table).values()}


def _waves(name: str, rows: list[Row], foreign_keys: dict[str, str]) -> list[list[Row]]:
    """Splits rows so each refers only to rows of its own table inserted in an earlier wave.

    Only `products` refers to itself (a consumable names its device); other tables are one wave.
    """
    own = [column for column, target in foreign_keys.items() if target == name]
    if not own:
        return [rows]
    waves: list[list[Row]] = []
    done: set[Any] = set()
    remaining = rows
    while remaining:
        ready = [
            row for row in remaining if all(row[column] in done or row[column] is None for column in own)
        ]
        if not ready:
            raise ValueError(f"{name}: rows refer to each other in a cycle or to missing rows")
        waves.append(ready)
        done.update(row["id"] for row in ready)
        remaining = [row for row in remaining if row["id"] not in done]
    return waves


def write_shop(session: Session, shop: DemoShop, *, progress: bool = False) -> dict[str, int]:
    """Inserts every row of `shop`, parents first; the caller commits. Returns rows per table.

    Placeholder ids are dropped so the database assigns real ones (sequences stay right on
    PostgreSQL); foreign keys are rewritten from the ids `RETURNING` hands back.
    """
    referenced = _referenced_tables()
    new_ids: dict[str, dict[Any, int]] = {}
    counts: dict[str, int] = {}
    for name, rows in shop.tables().items():
        table = Base.metadata.tables[name]
        foreign_keys = _foreign_keys(table)
        if rows and (unknown := set(rows[0]) - set(table.columns.keys())):
            raise ValueError(f"{name}: rows have columns the table lacks: {sorted(unknown)}")
        mapping = new_ids.setdefault(name, {})
        with tqdm(total=len(rows), desc=name, unit=" rows", disable=not progress, leave=True) as bar:
            for wave in _waves(name, rows, foreign_keys):
                for batch in batched(wave):
                    remapped = [_remap(row, foreign_keys, new_ids) for row in batch]
                    if name in referenced and "id" in table.columns:
                        ids = insert_returning_ids(session, table, remapped)
                        mapping.update(zip((row["id"] for row in batch), ids, strict=True))
                    else:
                        insert_rows(session, table, remapped)
                    bar.update(len(batch))
        counts[name] = len(rows)
    return counts


def _remap(row: Row, foreign_keys: dict[str, str], new_ids: dict[str, dict[Any, int]]) -> Row:
    out = {column: value for column, value in row.items() if column != "id"}
    for column, target in foreign_keys.items():
        value = out.get(column)
        if value is not None:
            out[column] = new_ids[target][value]
    return out


def _refuse_if_not_empty(session: Session) -> None:
    for model in (Customer, Product):
        if session.scalar(select(model.id).limit(1)) is not None:
            raise StoreNotEmpty(
                f"the store already has rows in {model.__tablename__}; demo data only goes into an "
                "empty store (point DATABASE_URL at a fresh database, or delete the SQLite file)"
            )


def seed_demo(
    engine: Engine, *, as_of: datetime, seed: int = 7, customers: int = 2000, progress: bool = True
) -> dict[str, int]:
    """Generates the demo shop and writes it in ONE transaction: all of it or, on failure, nothing.

    Raises:
        StoreNotEmpty: the store already has customers or products.
        ValueError: `as_of` is naive.
    """
    # Check first, so a full store is refused before spending seconds on generation.
    with Session(engine) as session:
        _refuse_if_not_empty(session)
    shop = generate_shop(seed=seed, as_of=as_of, customers=customers)
    with Session(engine) as session, session.begin():
        # Again inside the writing transaction: another seeder may have finished meanwhile.
        _refuse_if_not_empty(session)
        counts = write_shop(session, shop, progress=progress)
    # The demo's ready triggers, so `make run` shows proactive messages (idempotent by name).
    from proactive.triggers import seed_triggers  # the engine builds on the store, not the reverse

    seed_triggers(UnitOfWork.for_engine(engine), as_of)
    return counts
