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
) -> Tracker:
    latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.98},
        "entities": entities or [],
    }
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
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
