"""Engines and sessions for the store, with clear errors for a missing or busy database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


class StoreError(Exception):
    """The store cannot serve the request; the message says what to do."""


class StoreMissing(StoreError):
    """The database does not exist yet (it is created by `python -m crm migrate`)."""


class StoreUnavailable(StoreError):
    """The database exists but cannot be reached or is locked."""


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str, *, create_missing: bool = False, **kwargs: Any) -> Engine:
    """Creates an engine for `url`.

    SQLite would silently create an empty file on first connect; a process that expects data
    gets `StoreMissing` instead, and only the migration command passes `create_missing=True`.
    """
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            if not create_missing:
                raise StoreMissing(f"database file {path} does not exist: run `python -m crm migrate` first")
            path.parent.mkdir(parents=True, exist_ok=True)
        # A writer holding the lock makes others wait this long before "database is locked".
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 15)
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if path is not None:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # WAL lets readers (action server, console) go on while one writer works.
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
