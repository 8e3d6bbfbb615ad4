"""Turning the store's refusals into one clear line and exit code 2, instead of a traceback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError

from crm.db import StoreError
from crm.demo.writer import StoreNotEmpty
from crm.importers import AlreadyImported, OnlineRetailFormatError
from crm.migrate import MigrationRefused


@contextmanager
def friendly_errors() -> Iterator[None]:
    try:
        yield
    except (
        StoreError,
        MigrationRefused,
        StoreNotEmpty,
        AlreadyImported,
        OnlineRetailFormatError,
        FileNotFoundError,
    ) as error:
        _fail(str(error))
    except OperationalError as error:
        hint = (
            " (another process is writing; try again when it is done)" if "locked" in str(error.orig) else ""
        )
        _fail(f"the database cannot be used: {error.orig}{hint}")


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
