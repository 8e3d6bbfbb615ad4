"""A missing or locked database gives a clear error, and nothing stored is lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from crm.db import StoreMissing, StoreUnavailable, make_engine
from crm.models import Channel, Customer
from crm.services.customers import identify_customer
from crm.uow import UnitOfWork
from tests.factories import small_shop


def test_missing_sqlite_file_is_reported_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.db"

    with pytest.raises(StoreMissing, match=r"does not exist: run `python -m crm migrate`"):
        make_engine(f"sqlite:///{path}")

    assert not path.exists()


def test_write_while_another_process_writes_surfaces_as_store_unavailable(
    store: Engine, sqlite_url: str
) -> None:
    small_shop(store)
    store.dispose()
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        impatient = make_engine(sqlite_url, connect_args={"timeout": 0.2})
        with pytest.raises(StoreUnavailable, match="locked"), UnitOfWork.for_engine(impatient) as uow:
            uow.session.execute(update(Customer).values(name="Overwritten"))
            uow.commit()
    finally:
        holder.rollback()
        holder.close()

    # Reads go on meanwhile (WAL), and once the writer is done nothing was changed or lost.
    assert identify_customer(UnitOfWork.for_engine(store), Channel.WEB, "web-anna").name == "Anna Schmidt"


def test_unreachable_server_surfaces_as_store_unavailable() -> None:
    engine = make_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})

    with pytest.raises(StoreUnavailable, match="unavailable"):
        identify_customer(UnitOfWork.for_engine(engine), Channel.WEB, "web-anna")
