"""The launcher's defaults: demo data only when asked, secrets masked in what it prints, no stale server,
the proactive engine's processes and their fake mail server."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.models import Customer
from crm.settings import Settings
from stack import store
from stack.__main__ import print_banner
from stack.proactive import proactive_environment
from stack.processes import ServerFailed, ensure_free
from stack.servers import addresses

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def customers(url: str) -> int:
    with Session(make_engine(url)) as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def test_an_empty_store_is_not_seeded_unless_asked(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "sqlite_url", lambda _path: sqlite_url)  # this store is "the embedded one"

    store.prepare_store(sqlite_url, now=NOW, demo_customers=0)

    assert customers(sqlite_url) == 0


def test_make_run_seeds_the_embedded_store(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "sqlite_url", lambda _path: sqlite_url)

    store.prepare_store(sqlite_url, now=NOW, demo_customers=20)

    assert customers(sqlite_url) == 20


def test_a_store_named_by_database_url_is_never_seeded(sqlite_url: str) -> None:
    store.prepare_store(sqlite_url, now=NOW, demo_customers=20)  # not var/crm.db: someone's own database

    assert customers(sqlite_url) == 0


def test_the_banner_shows_no_whole_token_and_no_database_password(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        database_url="postgresql+psycopg2://shop:s3cret-password@db.example:5432/crm",
        tracker_store_url="sqlite:///x.db",
        rasa_host="127.0.0.1",
        rasa_port=5005,
        action_port=5055,
        nlu_port=5056,
        rasa_auth_token=None,
    )

    print_banner(settings, "the-whole-api-token-1234567890")

    out = capsys.readouterr().out
    assert "the-whole-api-token-1234567890" not in out and "s3cret-password" not in out
    assert "the-..." in out and "***" in out


def test_a_port_in_use_stops_the_start_before_a_leftover_server_can_answer_for_ours() -> None:
    with socket.socket() as leftover:
        leftover.bind(("127.0.0.1", 0))
        leftover.listen()
        port = leftover.getsockname()[1]
        with pytest.raises(ServerFailed, match=f"port {port} .* already in use"):
            ensure_free("Rasa server", "127.0.0.1", port)
    ensure_free("Rasa server", "127.0.0.1", port)  # free again once it closed


def test_the_banner_points_to_the_fake_mailbox_where_proactive_emails_arrive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings(
        database_url="sqlite:///x.db",
        tracker_store_url="sqlite:///y.db",
        rasa_host="127.0.0.1",
        rasa_port=5005,
        action_port=5055,
        nlu_port=5056,
        rasa_auth_token=None,
        fake_mailbox_port=8082,
    )

    print_banner(settings, "token-1234567890")

    assert "http://127.0.0.1:8082/" in capsys.readouterr().out


def test_the_proactive_engine_needs_the_fake_mail_ports_free_unless_a_real_server_is_named() -> None:
    demo = Settings(
        database_url="sqlite:///x.db",
        tracker_store_url="sqlite:///y.db",
        rasa_host="127.0.0.1",
        rasa_port=5005,
        action_port=5055,
        nlu_port=5056,
        rasa_auth_token=None,
        smtp_port=8025,
        fake_mailbox_port=8082,
    )
    real = replace(demo, smtp_host="smtp.shop.example")

    with_mail = {port for _, _, port in addresses(demo, channels=True, proactive=True)}
    without = {port for _, _, port in addresses(demo, channels=True, proactive=False)}

    assert {8025, 8082} <= with_mail and not {8025, 8082} & without
    assert not {8025, 8082} & {port for _, _, port in addresses(real, channels=True, proactive=True)}


def test_the_scheduler_and_the_pump_get_secrets_through_their_environment() -> None:
    settings = Settings(
        database_url="postgresql+psycopg2://shop:pw@db/crm",
        tracker_store_url="sqlite:///y.db",
        rasa_host="127.0.0.1",
        rasa_port=5005,
        action_port=5055,
        nlu_port=5056,
        rasa_auth_token=None,
        chat_token_secret="chat-secret-of-at-least-32-bytes-long",
    )

    env = proactive_environment(settings, "api-token-123")

    assert env["RASA_AUTH_TOKEN"] == "api-token-123" and env["DATABASE_URL"] == settings.database_url
    assert env["CHAT_TOKEN_SECRET"] == "chat-secret-of-at-least-32-bytes-long"
