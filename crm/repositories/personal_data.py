"""Every row about one customer, found through the schema's foreign keys rather than a hand-kept list.

A table belongs to a customer when a foreign key leads from it to `customers` (directly, or
through an order or a case); a table added later is covered without touching this module. Rows
that name the customer's conversations without a key (a visitor's case, a conversation's context)
are found by conversation id.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, delete, false, or_, select
from sqlalchemy.orm import Session

from crm.models import Base

CUSTOMERS = "customers"
# Kept on purpose: staff and the engine's configuration are nobody's personal data.
NOT_PERSONAL = frozenset(
    {"staff_users", "staff_sessions", "audit_log", "suppressions", "triggers", "products"}
)


@functools.cache
def _paths() -> dict[str, list[tuple[str, str, str]]]:
    """table -> [(own column, parent table, parent column)] for every key towards a customer's rows.

    Computed once per process (the schema does not change while it runs): every unit of work
    builds this repository, and sorting the tables took milliseconds each time (measured in the pump).
    Read only.
    """
    owned: dict[str, list[tuple[str, str, str]]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name == CUSTOMERS or table.name in NOT_PERSONAL:
            continue
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            if parent == CUSTOMERS or parent in owned:
                owned.setdefault(table.name, []).append((fk.parent.name, parent, fk.column.name))
    return owned


class PersonalDataRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._paths = _paths()

    def tables(self) -> list[str]:
        return [CUSTOMERS, *self._paths]

    def _owned(self, table: Table, customer_id: int, conversations: Sequence[str]) -> ColumnElement[bool]:
        if table.name == CUSTOMERS:
            return table.c.id == customer_id
        conditions: list[ColumnElement[bool]] = []
        for column, parent, parent_column in self._paths.get(table.name, []):
            parent_table = Base.metadata.tables[parent]
            if parent == CUSTOMERS:
                conditions.append(table.c[column] == customer_id)
            else:
                inner: Select[Any] = select(parent_table.c[parent_column]).where(
                    self._owned(parent_table, customer_id, conversations)
                )
                conditions.append(table.c[column].in_(inner))
        if conversations and "conversation_id" in table.c:
            conditions.append(table.c.conversation_id.in_(list(conversations)))
        return or_(*conditions) if conditions else false()

    def rows(self, customer_id: int, conversations: Sequence[str] = ()) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for name in self.tables():
            table = Base.metadata.tables[name]
            result = self._session.execute(
                select(table).where(self._owned(table, customer_id, conversations))
            )
            rows = [{key: _plain(value) for key, value in row._mapping.items()} for row in result]
            if rows:
                found[name] = rows
        return found

    def delete(self, customer_id: int, conversations: Sequence[str] = ()) -> dict[str, int]:
        """Deletes every row about the customer, children before parents. Returns rows per table."""
        deleted: dict[str, int] = {}
        order = [t for t in reversed(Base.metadata.sorted_tables) if t.name in self._paths] + [
            Base.metadata.tables[CUSTOMERS]
        ]
        for table in order:
            # Select the keys first: a condition through a parent must not run after the parent is gone.
            condition = self._owned(table, customer_id, conversations)
            result = self._session.execute(delete(table).where(condition))
            count = int(getattr(result, "rowcount", 0) or 0)
            if count:
                deleted[table.name] = count
        return deleted

    def conversation_ids(self, customer_id: int) -> set[str]:
        """The customer's conversations in Rasa, as far as the store knows them."""
        ids: set[str] = set()
        for name in self.tables():
            table = Base.metadata.tables[name]
            if "conversation_id" in table.c:
                ids.update(
                    value
                    for value in self._session.scalars(
                        select(table.c.conversation_id).where(self._owned(table, customer_id, ()))
                    )
                    if value
                )
        return ids


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def values_in(rows: Iterable[dict[str, Any]], column: str) -> list[Any]:
    return [row[column] for row in rows if row.get(column) is not None]
