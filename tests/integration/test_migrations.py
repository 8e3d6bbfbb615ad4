"""Migrations go up and down on SQLite and PostgreSQL, match the models, and never damage data."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from crm.db import make_engine
from crm.migrate import MigrationRefused, current_revision, downgrade, head_revision, upgrade
from crm.models import Base
from crm.uow import UnitOfWork
from tests.factories import small_shop


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest) -> Engine:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    return make_engine(url, create_missing=True)


def test_upgrade_creates_every_table_and_downgrade_removes_them(empty_engine: Engine) -> None:
    result = upgrade(empty_engine)

    assert (result.before, result.after) == (None, head_revision())
    assert set(Base.metadata.tables) <= set(inspect(empty_engine).get_table_names())

    downgrade(empty_engine, "base")

    assert current_revision(empty_engine) is None
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def test_models_match_migrations(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    with empty_engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )

    assert differences == []


def test_upgrading_an_up_to_date_store_changes_nothing_and_keeps_data(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    small_shop(empty_engine)
    before = _counts(empty_engine)

    result = upgrade(empty_engine)

    assert not result.changed
    assert _counts(empty_engine) == before


def test_a_database_with_foreign_tables_is_left_alone(empty_engine: Engine) -> None:
    with empty_engine.begin() as connection:
        connection.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY, secret TEXT)"))
        connection.execute(text("INSERT INTO customers VALUES (1, 'keep me')"))

    with pytest.raises(MigrationRefused, match="no migration history"):
        upgrade(empty_engine)

    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT secret FROM customers")).scalar_one() == "keep me"


def _counts(engine: Engine) -> dict[str, int]:
    with UnitOfWork.for_engine(engine) as uow:
        return uow.stats.row_counts()
