"""Complaints and reviews: exact replies and events."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from actions.support import (
    ActionFileComplaint,
    ActionSubmitReview,
    ValidateReviewForm,
    parse_rating,
    review_text,
)
from crm.models import Review
from tests.trackers import entity, user_turn
from tests.unit.test_care_actions_fixtures import form_turn, open_shop, replies, run, unreachable_store

shop_fixture = pytest.fixture(name="shop")(open_shop)
store_down_fixture = pytest.fixture(name="store_down")(unreachable_store)


def complaint(sender: str, text: str, number: str | None = None) -> tuple[list[Any], list[dict[str, Any]]]:
    entities = [entity("order_number", number)] if number else []
    return run(ActionFileComplaint(), user_turn(sender, text, "complaint", entities=entities))


def test_complaint_opens_a_case_about_the_latest_order(shop: Engine) -> None:
    events, messages = complaint("web-anna", "the parcel arrived damaged")

    assert events == []
    assert [(m["response"], m["case_number"], m["topic"], m["order_number"]) for m in messages] == [
        ("utter_complaint_opened", "CS-100001", "damaged item", "2000002")
    ]


def test_second_complaint_about_the_order_joins_the_open_case(shop: Engine) -> None:
    complaint("web-anna", "late again")

    _, messages = complaint("web-anna", "still nothing", "2000002")

    assert [(m["response"], m["case_number"]) for m in messages] == [("utter_complaint_added", "CS-100001")]


def test_complaint_about_someone_elses_order_is_not_found_on_their_account(shop: Engine) -> None:
    _, messages = complaint("web-anna", "order 2000003 is broken", "2000003")

    assert [(m["response"], m["order_number"]) for m in messages] == [("utter_order_not_found", "2000003")]


def test_visitor_complaint_asks_to_identify(shop: Engine) -> None:
    _, messages = complaint("visitor-1", "this is a disgrace")

    assert replies(messages) == ["utter_complaint_visitor", "utter_ask_identify"]


def test_complaint_with_the_store_down(store_down: None) -> None:
    assert replies(complaint("web-anna", "late")[1]) == ["utter_store_unavailable"]


@pytest.mark.parametrize(
    ("text", "rating"),
    [("4", 4), ("I'd give five stars", 5), ("3/5", 3), ("★★", 2), ("two packs arrived", None), ("9", None)],
)
def test_ratings_are_read_from_words_digits_and_stars(text: str, rating: int | None) -> None:
    assert parse_rating(text) == rating


def test_review_form_takes_the_rating_from_the_message(shop: Engine) -> None:
    tracker = form_turn("web-anna", "four stars, lovely", "review", form="review_form")

    events, messages = run(ValidateReviewForm(), tracker)

    # Rasa's form decides what to ask next; the rating is all this form needs.
    assert events == [SlotSet("rating", 4.0)]
    assert messages == []


def test_review_form_refuses_an_out_of_range_rating(shop: Engine) -> None:
    tracker = form_turn("web-anna", "7", "review", candidates={"rating": "7"}, form="review_form")

    events, messages = run(ValidateReviewForm(), tracker)

    assert events == [SlotSet("rating", None)]
    assert replies(messages) == ["utter_rating_invalid"]


def test_review_form_skips_the_question_for_a_visitor(shop: Engine) -> None:
    events, _ = run(ValidateReviewForm(), form_turn("visitor-1", "review", "review", form="review_form"))

    assert events == [SlotSet("requested_slot", None)]


def review_conversation(sender: str, rating: float) -> Tracker:
    """ "I want to review" -> form asks -> "2" -> form done."""
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "The capsules came late", "parse_data": {}, "input_channel": "rest"},
        {"event": "action", "name": "review_form"},
        {"event": "active_loop", "name": "review_form"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "2", "parse_data": {}, "input_channel": "rest"},
        {"event": "slot", "name": "rating", "value": rating},
        {"event": "active_loop", "name": None},
    ]
    return Tracker(sender, {"rating": rating}, {"text": "2", "intent": {"name": "review"}}, events,
                   False, None, {}, "review_form")  # fmt: skip


def test_low_review_is_stored_and_a_person_is_offered(shop: Engine) -> None:
    events, messages = run(ActionSubmitReview(), review_conversation("web-anna", 2.0))

    assert events == [SlotSet("rating", None), SlotSet("care_followup", "offer_human")]
    assert [(m["response"], m["rating"], m["first_name"]) for m in messages] == [
        ("utter_review_sorry", 2, "Anna")
    ]
    with Session(shop) as session:
        review = session.scalars(select(Review)).one()
    assert (review.rating, review.text) == (2, "The capsules came late")


def test_good_review_is_thanked_without_an_offer(shop: Engine) -> None:
    events, messages = run(ActionSubmitReview(), review_conversation("web-anna", 5.0))

    assert events == [SlotSet("rating", None), SlotSet("care_followup", None)]
    assert replies(messages) == ["utter_review_thanks"]


def test_review_text_leaves_out_the_bare_rating_answer() -> None:
    assert review_text(review_conversation("web-anna", 2.0)) == "The capsules came late"
