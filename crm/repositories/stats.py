"""Whole-store figures."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Base


class StatsRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def row_counts(self) -> dict[str, int]:
        """Rows per table, for `python -m crm status`."""
        return {
            name: self._session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in sorted(Base.metadata.tables.items())
        }
