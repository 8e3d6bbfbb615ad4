"""The action server's handle on the customer store and settings, opened on first use (not at import)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine

from crm.db import make_engine
from crm.settings import Settings, load_settings
from crm.uow import UnitOfWork


@cache
def settings() -> Settings:
    return load_settings()


@cache
def _engine() -> Engine:
    # A failure is not cached: once the database is back, the next request succeeds.
    return make_engine(settings().database_url)


def unit_of_work() -> UnitOfWork:
    """A new unit of work on the configured store; raises `StoreError` when it cannot be opened."""
    return UnitOfWork.for_engine(_engine())
