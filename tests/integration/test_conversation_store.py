"""Rasa's conversation store (bot/tracker_store.py) keeps every event exactly once, on SQLite and PostgreSQL.

The store remembers how many events of a tracker it holds instead of counting them before each
save; these runs play a conversation with two saves per turn and a new session inside a turn, in
the Rasa environment, and compare what is stored with what Rasa had in memory.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from stack.paths import PROJECT_ROOT, RASA_PYTHON

pytestmark = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="Rasa environment not built")


def _play(arguments: dict[str, object]) -> dict[str, list[str]]:
    result = subprocess.run(
        [str(RASA_PYTHON), "-m", "tests.support.conversation_store_check", json.dumps(arguments)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    played: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return played


def _assert_each_event_stored_once(played: dict[str, list[str]]) -> None:
    assert played["stored"] == played["played"]
    # The latest session is the last turn's, from its SessionStarted on.
    assert played["latest_session"] == ["session_started", "action", "user", "action"]


def test_sqlite_stores_each_event_once(tmp_path: Path) -> None:
    _assert_each_event_stored_once(_play({"dialect": "sqlite", "db": str(tmp_path / "rasa.db")}))


def test_postgres_stores_each_event_once(postgres_url: str) -> None:
    url = make_url(postgres_url)
    arguments = {
        "dialect": "postgresql",
        "host": url.host,
        "port": url.port,
        "db": url.database,
        "username": url.username,
    }
    _assert_each_event_stored_once(_play(arguments))
