"""Identification form: a matching pair links the chat; a wrong pair reveals nothing; 3 strikes."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import Engine

from actions.identify import ActionCompleteIdentification, ValidateIdentifyForm
from actions.identity import current_customer
from actions.store import unit_of_work
from tests.trackers import user_turn
from tests.unit.test_care_actions_fixtures import form_turn, open_shop, replies, run

shop_fixture = pytest.fixture(name="shop")(open_shop)


def test_matching_details_pass_validation(shop: Engine) -> None:
    tracker = form_turn(
        "tg-9", "2000001 C90001@example.com", "identify",
        candidates={"order_number": "#2000001", "email": "C90001@Example.com"},
    )  # fmt: skip

    events, messages = run(ValidateIdentifyForm(), tracker)

    assert events == [SlotSet("order_number", "2000001"), SlotSet("email", "c90001@example.com")]
    assert messages == []


def test_a_wrong_pair_is_refused_without_saying_which_half_was_wrong(shop: Engine) -> None:
    # Ben's email with Anna's order: both exist, the pair does not.
    tracker = form_turn(
        "tg-9", "c90002@example.com", "identify",
        slots={"order_number": "2000001"}, candidates={"email": "c90002@example.com"},
    )  # fmt: skip

    events, messages = run(ValidateIdentifyForm(), tracker)

    assert events == [
        SlotSet("email", "c90002@example.com"),
        SlotSet("order_number", None),
        SlotSet("email", None),
        SlotSet("identify_attempts", 1),
    ]
    assert replies(messages) == ["utter_identify_no_match"]


def test_the_third_wrong_pair_ends_the_form(shop: Engine) -> None:
    tracker = form_turn(
        "tg-9", "nobody@example.com", "identify",
        slots={"order_number": "9999999", "identify_attempts": 2.0},
        candidates={"email": "nobody@example.com"},
    )  # fmt: skip

    events, messages = run(ValidateIdentifyForm(), tracker)

    assert events[-2:] == [SlotSet("identify_attempts", 3), SlotSet("requested_slot", None)]
    assert messages == []


def test_after_three_failures_the_form_asks_nothing_more(shop: Engine) -> None:
    tracker = form_turn("tg-9", "identify me", "identify", slots={"identify_attempts": 3.0})

    events, _ = run(ValidateIdentifyForm(), tracker)

    assert events == [SlotSet("requested_slot", None)]


def test_completion_links_the_chat_and_greets_by_first_name(shop: Engine) -> None:
    tracker = user_turn(
        "tg-9", "c90002@example.com", "identify", input_channel="telegram",
        slots={"order_number": "2000003", "email": "c90002@example.com", "identify_attempts": 1.0},
    )  # fmt: skip

    events, messages = run(ActionCompleteIdentification(), tracker)

    assert events == [SlotSet("identify_attempts", 0), SlotSet("care_followup", None)]
    assert [(m["response"], m["first_name"]) for m in messages] == [("utter_identified", "Ben")]
    customer = current_customer(unit_of_work(), tracker)
    assert customer is not None and customer.external_ref == "C90002"


def test_completion_after_three_failures_offers_a_person(shop: Engine) -> None:
    tracker = user_turn("tg-9", "x", "identify", slots={"identify_attempts": 3.0})

    events, messages = run(ActionCompleteIdentification(), tracker)

    assert events == [SlotSet("care_followup", "offer_human")]
    assert replies(messages) == ["utter_identify_failed"]
