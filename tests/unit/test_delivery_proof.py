"""What counts as "already shown" when a pump checks a conversation after a crash."""

from __future__ import annotations

from typing import Any

from proactive.channels import external_event_with_key


def external(key: str) -> dict[str, Any]:
    return {
        "event": "user",
        "text": "EXTERNAL: EXTERNAL_replenishment",
        "metadata": {"is_external": True},
        "parse_data": {
            "intent": {"name": "EXTERNAL_replenishment"},
            "entities": [{"entity": "key", "value": key}],
        },
    }


def bot(text: str = "Your capsules run out soon.") -> dict[str, Any]:
    return {"event": "bot", "text": text}


def test_the_keyed_external_event_followed_by_a_bot_message_is_proof() -> None:
    assert external_event_with_key({"events": [external("k1"), {"event": "action"}, bot()]}, "k1")


def test_another_key_a_typed_lookalike_or_an_event_nothing_answered_is_no_proof() -> None:
    typed = {**external("k1"), "metadata": {}}  # a customer typing the intent is not our message
    unanswered = [external("k1"), {"event": "user", "text": "hi", "metadata": {}}, bot()]

    assert not external_event_with_key({"events": [external("k2"), bot()]}, "k1")
    assert not external_event_with_key({"events": [typed, bot()]}, "k1")
    assert not external_event_with_key({"events": unanswered}, "k1")  # the bot answered "hi"
    assert not external_event_with_key({"events": [external("k1")]}, "k1")
