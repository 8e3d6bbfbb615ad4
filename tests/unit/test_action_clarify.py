"""action_clarify: the two likeliest topics as buttons, a human after a second miss."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionClarify
from tests.trackers import earlier_user_turn, user_turn

RANKING = [
    ("nlu_fallback", 0.7),
    ("track_refund", 0.28),
    ("out_of_scope", 0.2),
    ("affirm", 0.15),
    ("get_refund", 0.12),
    ("track_order", 0.05),
]


def run(tracker: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionClarify().run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def test_first_miss_offers_the_two_likeliest_real_topics() -> None:
    events, messages = run(user_turn("web-1", "my money thing??", "nlu_fallback", ranking=RANKING))

    assert events == []
    assert [(m["response"], m["buttons"]) for m in messages] == [
        (
            "utter_clarify",
            [
                {"title": "Where is my refund?", "payload": "/track_refund"},
                {"title": "Get a refund", "payload": "/get_refund"},
            ],
        )
    ]


def test_off_topic_says_what_the_assistant_can_do() -> None:
    _, messages = run(user_turn("web-1", "who won the match", "out_of_scope", ranking=RANKING))

    assert messages[0]["response"] == "utter_out_of_scope"
    assert len(messages[0]["buttons"]) == 2


def test_second_miss_in_a_row_offers_a_human() -> None:
    earlier = earlier_user_turn("my money thing??", "nlu_fallback", then="action_clarify")

    again = user_turn("web-1", "the thing with money", "nlu_fallback", ranking=RANKING, earlier=earlier)

    _, messages = run(again)

    assert [(m["response"], [b["payload"] for b in m["buttons"]]) for m in messages] == [
        ("utter_offer_human", ["/contact_human_agent", "/deny"])
    ]


def test_a_miss_after_an_understood_message_is_a_first_miss_again() -> None:
    earlier = earlier_user_turn("where is my order", "track_order", then="action_report_order_status")

    _, messages = run(user_turn("web-1", "hmm??", "nlu_fallback", ranking=RANKING, earlier=earlier))

    assert messages[0]["response"] == "utter_clarify"
