"""action_report_order_status: exact replies and events for each situation a customer can be in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine

from actions import store as action_store
from actions.orders import ActionReportOrderStatus
from tests.factories import small_shop
from tests.trackers import entity, user_turn


@pytest.fixture
def shop_url(store: Engine, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    small_shop(store)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    action_store._engine.cache_clear()
    yield sqlite_url
    action_store._engine.cache_clear()


def run(tracker: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionReportOrderStatus().run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def test_identified_customer_gets_latest_order_with_tracking(shop_url: str) -> None:
    events, messages = run(user_turn("web-anna", "where is my order", "track_order"))

    assert events == []
    assert [message["text"] for message in messages] == [
        "Anna, your order 2000002 from 1 Nov 2026 (3 x Espresso capsules, 50) is on its way "
        "with DHL, tracking number JD2000002. Expected delivery: Wed 4 Nov."
    ]


def test_named_delivered_order_says_when_it_arrived(shop_url: str) -> None:
    _, messages = run(
        user_turn("web-anna", "where is 2000001", "track_order", entities=[entity("order_number", "2000001")])
    )

    assert messages[0]["text"] == (
        "Anna, your order 2000001 from 22 Sep 2026 (2 x Espresso capsules, 50) was delivered on 23 Sep 2026."
    )


def test_someone_elses_order_number_gets_not_found(shop_url: str) -> None:
    _, messages = run(
        user_turn("web-anna", "where is 2000003", "track_order", entities=[entity("order_number", "2000003")])
    )

    assert [(m["response"], m.get("order_number")) for m in messages] == [
        ("utter_order_not_found", "2000003")
    ]


def test_unknown_sender_is_asked_to_identify(shop_url: str) -> None:
    _, messages = run(user_turn("visitor-1", "where is my order", "track_order"))

    assert [m["response"] for m in messages] == ["utter_ask_identify"]


def test_telegram_sender_is_looked_up_on_telegram(shop_url: str) -> None:
    # web-anna is a web identity: the same id arriving on Telegram must not be trusted as Anna.
    _, messages = run(user_turn("web-anna", "where is my order", "track_order", input_channel="telegram"))

    assert [m["response"] for m in messages] == ["utter_ask_identify"]


def test_missing_database_gets_a_polite_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'gone.db'}")
    action_store._engine.cache_clear()

    events, messages = run(user_turn("web-anna", "where is my order", "track_order"))

    assert events == []
    assert [m["response"] for m in messages] == ["utter_store_unavailable"]
    action_store._engine.cache_clear()
