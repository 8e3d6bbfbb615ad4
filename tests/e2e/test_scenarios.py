"""Every conversation scenario in tests/scenarios/, through the real servers, replies and store checked.

A failure prints the whole transcript with the recognised intents, requests, entities and the
pending question of each turn (`python -m tests.support.transcript` replays one the same way).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from crm.db import make_engine
from tests.support.live import LiveSystem
from tests.support.personas import Personas
from tests.support.scenarios import Player, Scenario, load_scenarios

pytestmark = pytest.mark.e2e
SCENARIOS = load_scenarios()


@pytest.fixture(scope="module")
def store(system: LiveSystem) -> Iterator[Engine]:
    engine = make_engine(system.settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def player(system: LiveSystem, store: Engine) -> Player:
    return Player(system, store, Personas(store, system.settings.now()))


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 150


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(player: Player, scenario: Scenario) -> None:
    outcome = player.play(scenario)
    assert outcome.passed, "\n" + outcome.report()
