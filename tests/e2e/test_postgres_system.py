"""The production setup: the customer store and Rasa's conversation store both on PostgreSQL.

A few scenarios that write to both stores (a confirmed cancellation, a place in the queue, a
complaint) run through the real servers; the tracker's events must be in PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from crm.db import make_engine
from crm.demo.writer import seed_demo
from crm.migrate import upgrade
from crm.settings import Settings
from stack.servers import start_system
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.ci import unavailable
from tests.support.live import E2E_CUSTOMERS, E2E_NOW, LiveSystem, free_port
from tests.support.personas import Personas
from tests.support.scenarios import Player, load_scenarios
from tests.support.situations import add_situations

pytestmark = pytest.mark.e2e
ON_POSTGRES = (
    "forget it inside the cancel form",
    "human please",
    "a complaint names the product of the order it is about",
    "changing an order records the change it names",
)


@pytest.fixture(scope="module")
def databases() -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL databases (customer store, conversations), dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    names = [f"e2e_{kind}_{uuid.uuid4().hex[:10]}" for kind in ("crm", "tracker")]
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        unavailable(f"PostgreSQL not reachable: {error.orig}")
    base = make_url(POSTGRES_ADMIN_URL)
    urls = [base.set(database=name).render_as_string(hide_password=False) for name in names]
    try:
        yield urls[0], urls[1].replace("postgresql+psycopg2://", "postgresql://")
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def pg_system(
    ci_model: Path, databases: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveSystem, Engine]]:
    store_url, tracker_url = databases
    engine = make_engine(store_url)
    upgrade(engine)
    seed_demo(engine, as_of=E2E_NOW, customers=E2E_CUSTOMERS, progress=False)
    add_situations(engine, E2E_NOW)
    work = tmp_path_factory.mktemp("pg-system")
    settings = Settings(
        database_url=store_url,
        tracker_store_url=tracker_url,
        rasa_host="127.0.0.1",
        rasa_port=free_port(),
        action_port=free_port(),
        nlu_port=free_port(),
        rasa_auth_token="e2e-pg-token",
        chat_token_secret="e2e-pg-chat-secret-long-enough-for-hs256",
        frozen_now=E2E_NOW,
    )
    running = start_system(settings, "e2e-pg-token", lambda: ci_model, echo=False, log_dir=work)
    try:
        yield LiveSystem(settings, "e2e-pg-token", work), engine
    finally:
        running.stop()
        engine.dispose()


@pytest.mark.parametrize("name", ON_POSTGRES)
def test_scenarios_run_on_postgresql(pg_system: tuple[LiveSystem, Engine], name: str) -> None:
    system, engine = pg_system
    [scenario] = [s for s in load_scenarios() if s.name == name]
    player = Player(system, engine, Personas(engine, E2E_NOW))

    outcome = player.play(scenario)

    assert outcome.passed, "\n" + outcome.report()
    # Rasa's SQLAlchemy 1.4 reads postgresql:// as psycopg2; name the driver for SQLAlchemy 2 here.
    tracker = create_engine(
        system.settings.tracker_store_url.replace("postgresql://", "postgresql+psycopg2://")
    )
    with tracker.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :sender"),
            {"sender": f"rest:{outcome.conversation_id}"},
        ).scalar_one()
    tracker.dispose()
    assert stored > 0
