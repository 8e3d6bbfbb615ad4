"""Shared set-up for the care action tests: a small shop, a frozen clock, trackers for forms.

Each test module registers the fixtures it needs:
`shop_fixture = pytest.fixture(name="shop")(open_shop)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine

from actions import store as action_store
from actions import support
from tests.factories import T0, small_shop
from tests.trackers import user_turn

# A Wednesday, 09:30 in London: the support team is in.
NOW = T0 + timedelta(days=3)


def open_shop(store: Engine, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Fixture body: the small shop as the action server's store, and a frozen clock."""
    small_shop(store)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setattr(support, "utc_now", lambda: NOW)
    action_store._engine.cache_clear()
    yield store
    action_store._engine.cache_clear()


def unreachable_store(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fixture body: the configured database file does not exist."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'gone.db'}")
    monkeypatch.setattr(support, "utc_now", lambda: NOW)
    action_store._engine.cache_clear()
    yield
    action_store._engine.cache_clear()


def run(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


def replies(messages: list[dict[str, Any]]) -> list[str]:
    """Response names (or texts, for composed replies) in order."""
    return [m.get("response") or m["text"] for m in messages]


def form_turn(
    sender: str,
    text: str,
    intent: str,
    *,
    slots: dict[str, Any] | None = None,
    candidates: dict[str, Any] | None = None,
    form: str = "identify_form",
) -> Tracker:
    """A user turn inside `form`, with `candidates` as the slot events Rasa appends for validation."""
    base = user_turn(sender, text, intent, slots={**(slots or {}), **(candidates or {})})
    events = list(base.events) + [
        {"event": "slot", "name": name, "value": value} for name, value in (candidates or {}).items()
    ]
    return Tracker(
        sender_id=sender,
        slots=dict(base.slots),
        latest_message=base.latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name="action_listen",
    )


def at(hour: int, minute: int = 0, day: int = 4) -> datetime:
    return NOW.replace(day=day, hour=hour, minute=minute)


# The parts of the domain the validation actions read.
DOMAIN: dict[str, Any] = {
    "forms": {
        "identify_form": {"required_slots": ["order_number", "email"]},
        "review_form": {"required_slots": ["rating"]},
    },
    "slots": {
        "order_number": {"type": "text", "mappings": [{"type": "from_entity", "entity": "order_number"}]},
        "email": {"type": "text", "mappings": [{"type": "from_entity", "entity": "email"}]},
        "rating": {
            "type": "float",
            "mappings": [
                {"type": "from_entity", "entity": "rating", "conditions": [{"active_loop": "review_form"}]}
            ],
        },
    },
}
