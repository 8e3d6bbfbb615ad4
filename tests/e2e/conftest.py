"""The real system for end-to-end tests: Rasa server + action server on free ports, a seeded store."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from crm.db import make_engine
from crm.demo.writer import seed_demo
from crm.migrate import upgrade
from crm.settings import Settings
from stack.paths import PROJECT_ROOT, VAR_DIR
from stack.servers import start_action_server, start_nlu_service, start_rasa_server, wait_until_serving
from stack.training import ensure_model

E2E_CUSTOMERS = 300
E2E_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningSystem:
    settings: Settings
    token: str
    log_dir: Path

    def say(self, sender: str, message: str) -> list[str]:
        """Sends `message` through the REST channel and returns the texts of the bot's replies."""
        response = httpx.post(
            f"{self.settings.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        response.raise_for_status()
        return [reply["text"] for reply in response.json() if "text" in reply]


@pytest.fixture(scope="session")
def ci_model() -> Path:
    # Kept under var/ with its fingerprint, so a rerun with unchanged data skips training.
    return ensure_model(PROJECT_ROOT / "config.ci.yml", VAR_DIR / "test-models", "ci")


@pytest.fixture(scope="session")
def system(ci_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    work = tmp_path_factory.mktemp("system")
    database_url = f"sqlite:///{work / 'crm.db'}"
    engine = make_engine(database_url, create_missing=True)
    upgrade(engine)
    seed_demo(engine, as_of=E2E_NOW, customers=E2E_CUSTOMERS, progress=False)
    engine.dispose()
    settings = Settings(
        database_url=database_url,
        tracker_store_url=f"sqlite:///{work / 'tracker.db'}",
        rasa_host="127.0.0.1",
        rasa_port=free_port(),
        action_port=free_port(),
        nlu_port=free_port(),
        rasa_auth_token="e2e-token",
    )
    nlu = start_nlu_service(settings, echo=False, log_file=work / "nlu.log")
    actions = start_action_server(settings, echo=False, log_file=work / "actions.log")
    rasa = start_rasa_server(settings, ci_model, "e2e-token", echo=False, log_file=work / "rasa.log")
    try:
        wait_until_serving(nlu, actions, rasa, settings)
        yield RunningSystem(settings, "e2e-token", work)
    finally:
        rasa.stop()
        actions.stop()
        nlu.stop()
