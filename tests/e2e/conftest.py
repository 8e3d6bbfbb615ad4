"""The real system for end-to-end tests: NLU service, action server and Rasa on free ports, a seeded store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm.db import make_engine
from crm.demo.writer import seed_demo
from crm.migrate import upgrade
from crm.settings import Settings
from stack.paths import PROJECT_ROOT, VAR_DIR
from stack.servers import start_system
from stack.telegram import DEMO_TOKEN, FAKE_USERNAME
from stack.training import ensure_model
from tests.support.live import E2E_CUSTOMERS, E2E_NOW, LiveSystem, free_port
from tests.support.situations import add_situations


@pytest.fixture(scope="session")
def ci_model() -> Path:
    # Kept under var/ with its fingerprint, so a rerun with unchanged data skips training.
    return ensure_model(PROJECT_ROOT / "config.yml", VAR_DIR / "test-models", "ci")


@pytest.fixture(scope="session")
def system(ci_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSystem]:
    work = tmp_path_factory.mktemp("system")
    database_url = f"sqlite:///{work / 'crm.db'}"
    engine = make_engine(database_url, create_missing=True)
    upgrade(engine)
    seed_demo(engine, as_of=E2E_NOW, customers=E2E_CUSTOMERS, progress=False)
    add_situations(engine, E2E_NOW)
    engine.dispose()
    shop_port, fake_telegram_port = free_port(), free_port()
    settings = Settings(
        database_url=database_url,
        tracker_store_url=f"sqlite:///{work / 'tracker.db'}",
        rasa_host="127.0.0.1",
        rasa_port=free_port(),
        action_port=free_port(),
        nlu_port=free_port(),
        rasa_auth_token="e2e-token",
        chat_token_secret="e2e-chat-secret-at-least-32-bytes-long",
        frozen_now=E2E_NOW,
        shop_origins=("http://127.0.0.1:8000", f"http://127.0.0.1:{shop_port}"),
        shop_port=shop_port,
        # The local fake Bot API, as in `make run`'s demo; the secret stays out of var/.
        telegram_bot_token=DEMO_TOKEN,
        telegram_bot_username=FAKE_USERNAME,
        telegram_webhook_secret="e2e-telegram-webhook-secret",
        telegram_api_url=f"http://127.0.0.1:{fake_telegram_port}",
        fake_telegram_port=fake_telegram_port,
    )
    running = start_system(settings, "e2e-token", lambda: ci_model, echo=False, log_dir=work, channels=True)
    try:
        yield LiveSystem(settings, "e2e-token", work, {p.name: p.pid for p in running.processes})
    finally:
        running.stop()
