"""Schema migrations (Alembic), callable from the CLI, the launcher and tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class MigrationRefused(Exception):
    """Migrating would risk data that is already stored."""


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> MigrationResult:
    """Brings the schema to `revision`; on an up-to-date database it changes nothing.

    A database that has tables but no migration history was not made by us (or by an older
    `create_all`): guessing its state could damage it, so this refuses.
    """
    before = current_revision(engine)
    if before is None:
        foreign = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
        if foreign:
            raise MigrationRefused(
                f"the database already has tables ({', '.join(sorted(foreign)[:5])}, ...) but no "
                "migration history; refusing to touch it. Point DATABASE_URL at an empty database."
            )
    _run(engine, "upgrade", revision)
    return MigrationResult(before, current_revision(engine))


def downgrade(engine: Engine, revision: str) -> MigrationResult:
    before = current_revision(engine)
    _run(engine, "downgrade", revision)
    return MigrationResult(before, current_revision(engine))


def _run(engine: Engine, direction: str, revision: str) -> None:
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)
