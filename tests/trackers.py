"""Tracker fixtures for action tests: what the Rasa server would send for one user turn."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def user_turn(
    sender: str,
    text: str,
    intent: str,
    *,
    entities: list[dict[str, Any]] | None = None,
    input_channel: str = "rest",
    slots: dict[str, Any] | None = None,
    confidence: float = 0.98,
    ranking: list[tuple[str, float]] | None = None,
    earlier: list[dict[str, Any]] | None = None,
) -> Tracker:
    """One user message (after the `earlier` events), as the Rasa server hands it to an action."""
    latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "intent_ranking": [{"name": name, "confidence": score} for name, score in ranking or []],
    }
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        *(earlier or []),
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": latest_message, "input_channel": input_channel},
    ]
    return Tracker(
        sender_id=sender,
        slots=slots or {},
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "extractor": "RegexEntityExtractor"}


def earlier_user_turn(text: str, intent: str, then: str) -> list[dict[str, Any]]:
    """Events of an earlier exchange: the customer's message and the action that answered it."""
    return [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent}}},
        {"event": "action", "name": then},
    ]
