"""Only one scheduler leads: a PostgreSQL advisory lock, or a lock file for SQLite.

Both locks belong to a live process and vanish with it: PostgreSQL drops a session's advisory
locks when its connection ends (the process died, or the network went), and the kernel drops an
`flock` when the process's file descriptors close. A second scheduler polls and takes over.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from crm.db import make_engine, sqlite_path

# One 64-bit key for "the proactive scheduler"; derived, so it names itself in the code.
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"proactive-scheduler").digest()[:8], "big", signed=True)


class Leadership(Protocol):
    def acquire(self) -> bool:
        """Takes the lead if nobody holds it; never waits."""
        ...

    def held(self) -> bool:
        """Still the leader (the lock's connection or file is still ours)."""
        ...

    def release(self) -> None: ...


class AdvisoryLock:
    """`pg_try_advisory_lock` on a connection of its own, kept open while leading."""

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            return self.held()
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}))
        except DBAPIError:
            connection.close()
            return False
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            # The lock lives exactly as long as this session: if the session answers, it is ours.
            self._connection.scalar(text("SELECT 1"))
        except DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.close()
            self._connection = None


class FileLock:
    """An exclusive `flock` on a file beside the SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for a person wondering who leads
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def leadership_for(database_url: str) -> tuple[Leadership, Engine | None]:
    """The lock that fits the store: a file beside a SQLite database, else an advisory lock.

    Returns the engine it opened (PostgreSQL), for the caller to dispose of.
    """
    path = sqlite_path(database_url)
    if path is not None:
        return FileLock(path.with_name(path.name + ".scheduler.lock")), None
    if database_url.startswith("sqlite"):
        raise ValueError("an in-memory SQLite store cannot elect a scheduler: use a file or PostgreSQL")
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    return AdvisoryLock(engine), engine
