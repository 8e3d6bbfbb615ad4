"""Contact preferences and consent changed in chat."""

from __future__ import annotations

from datetime import time

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from actions.preferences import (
    ActionMessageLessOften,
    ActionResumeMessages,
    ActionSetPreferredChannel,
    ActionSetQuietHours,
    ActionStopMessages,
)
from crm.models import Channel, CommunicationPreferences, Consent, ConsentPurpose, ConsentSource
from crm.services.preferences import parse_quiet_hours
from tests.trackers import entity, user_turn
from tests.unit.test_care_actions_fixtures import NOW, open_shop, replies, run

shop_fixture = pytest.fixture(name="shop")(open_shop)


def test_channel_named_in_the_message_is_stored(shop: Engine) -> None:
    tracker = user_turn(
        "web-anna", "email me instead", "set_preferred_channel", entities=[entity("channel", "Email")]
    )

    events, messages = run(ActionSetPreferredChannel(), tracker)

    assert events == []
    assert [(m["response"], m["channel"]) for m in messages] == [("utter_channel_set", "email")]
    with Session(shop) as session:
        assert session.get(CommunicationPreferences, 1).preferred_channel is Channel.EMAIL  # type: ignore[union-attr]


def test_telegram_without_a_linked_chat_says_how_to_link_it(shop: Engine) -> None:
    tracker = user_turn(
        "web-anna", "telegram", "set_preferred_channel", entities=[entity("channel", "telegram")]
    )

    _, messages = run(ActionSetPreferredChannel(), tracker)

    assert replies(messages) == ["utter_channel_set_unlinked"]


def test_no_channel_named_asks_with_buttons(shop: Engine) -> None:
    _, messages = run(
        ActionSetPreferredChannel(), user_turn("web-anna", "another channel", "set_preferred_channel")
    )

    assert replies(messages) == ["utter_ask_channel"]


def test_visitor_is_asked_to_identify(shop: Engine) -> None:
    _, messages = run(ActionMessageLessOften(), user_turn("visitor-1", "less often", "message_less_often"))

    assert replies(messages) == ["utter_preferences_visitor", "utter_ask_identify"]


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("quiet hours from 22:00 to 07:00", (time(22), time(7))),
        ("no messages between 10pm and 7.30am", (time(22), time(7, 30))),
        ("9 pm - 8 am please", (time(21), time(8))),
        ("don't message me at night", None),
        ("from 25:00 to 07:00", None),
    ],
)
def test_quiet_hours_are_parsed_from_the_message(text: str, hours: tuple[time, time] | None) -> None:
    assert parse_quiet_hours(text) == hours


def test_quiet_hours_are_stored_in_local_time(shop: Engine) -> None:
    _, messages = run(
        ActionSetQuietHours(), user_turn("web-anna", "quiet from 22:00 to 07:00", "set_quiet_hours")
    )

    assert [(m["response"], m["start"], m["end"], m["time_zone"]) for m in messages] == [
        ("utter_quiet_hours_set", "22:00", "07:00", "Europe/Berlin")
    ]


def test_quiet_hours_without_times_are_asked_for(shop: Engine) -> None:
    _, messages = run(ActionSetQuietHours(), user_turn("web-anna", "not at night", "set_quiet_hours"))

    assert replies(messages) == ["utter_ask_quiet_hours"]


def test_less_often_halves_down_to_one(shop: Engine) -> None:
    _, first = run(ActionMessageLessOften(), user_turn("web-anna", "less", "message_less_often"))
    _, second = run(ActionMessageLessOften(), user_turn("web-anna", "less", "message_less_often"))

    assert [(m["response"], m["per_week"], m["before"]) for m in first + second] == [
        ("utter_less_often", 1, 2),
        ("utter_less_often_minimum", 1, 1),
    ]


def test_stop_records_marketing_refusal_on_every_channel(shop: Engine) -> None:
    events, messages = run(ActionStopMessages(), user_turn("web-anna", "stop", "stop_messages"))

    assert events == [SlotSet("care_followup", None)]
    assert replies(messages) == ["utter_messages_stopped"]
    with Session(shop) as session:
        rows = session.scalars(select(Consent).order_by(Consent.channel)).all()
    assert [(r.channel, r.purpose, r.granted, r.source, r.recorded_at) for r in rows] == [
        (channel, ConsentPurpose.MARKETING, False, ConsentSource.CHAT, NOW)
        for channel in sorted(Channel, key=lambda c: c.value)
    ]


def test_resume_grants_marketing_again(shop: Engine) -> None:
    run(ActionStopMessages(), user_turn("web-anna", "stop", "stop_messages"))

    _, messages = run(ActionResumeMessages(), user_turn("web-anna", "start again", "resume_messages"))

    assert replies(messages) == ["utter_messages_resumed"]
    with Session(shop) as session:
        assert session.scalar(select(Consent.granted).order_by(Consent.id.desc()).limit(1)) is True
