"""Service due dates, booking a service, and product answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import Engine

from actions.maintenance import ActionBookService, ActionOfferServiceBooking, ActionReportServiceDue
from actions.products import ActionAnswerProduct
from tests.factories import T0
from tests.integration.test_care_services import add_machine
from tests.trackers import entity, user_turn
from tests.unit.test_care_actions_fixtures import open_shop, replies, run

shop_fixture = pytest.fixture(name="shop")(open_shop)


def test_service_due_names_the_date_the_days_left_and_the_warranty(shop: Engine) -> None:
    add_machine(shop)  # bought 350 days before T0, serviced yearly; NOW is T0 + 3 days

    events, messages = run(
        ActionReportServiceDue(), user_turn("web-anna", "when is service due", "ask_service_due")
    )

    due = (T0 + timedelta(days=15)).strftime("%-d %b %Y")
    warranty = (T0 + timedelta(days=380)).strftime("%-d %b %Y")
    assert events == []
    assert replies(messages) == [
        f"Your Barista Compact capsule coffee machine (serial SN-1) is due for its service on {due}, "
        f"in 12 days; under warranty until {warranty}."
    ]


def test_overdue_service_says_so(shop: Engine) -> None:
    add_machine(shop, last_service=(T0 - timedelta(days=370)).date())

    _, messages = run(ActionReportServiceDue(), user_turn("web-anna", "service?", "ask_service_due"))

    assert "8 days ago (overdue)" in messages[0]["text"]


def test_no_devices(shop: Engine) -> None:
    _, messages = run(ActionReportServiceDue(), user_turn("web-ben", "service?", "ask_service_due"))

    assert replies(messages) == ["utter_no_devices"]


def test_visitor_gets_the_general_rule_and_is_asked_to_identify(shop: Engine) -> None:
    _, messages = run(ActionReportServiceDue(), user_turn("visitor-1", "service?", "ask_service_due"))

    assert replies(messages) == ["utter_service_visitor", "utter_ask_identify"]


def test_booking_is_offered_with_the_price_then_opens_a_case(shop: Engine) -> None:
    add_machine(shop)

    events, messages = run(
        ActionOfferServiceBooking(), user_turn("web-anna", "book a service", "book_service")
    )

    assert events == [SlotSet("service_device", "SN-1"), SlotSet("care_followup", "confirm_service")]
    assert messages[0]["text"].endswith("The Coffee machine annual service costs €59.00.")

    events, messages = run(
        ActionBookService(), user_turn("web-anna", "yes", "affirm", slots={"service_device": "SN-1"})
    )

    assert events == [SlotSet("service_device", None), SlotSet("care_followup", None)]
    assert [(m["response"], m["case_number"]) for m in messages] == [("utter_service_booked", "CS-100001")]


def test_another_customers_serial_cannot_be_booked(shop: Engine) -> None:
    add_machine(shop)  # Anna's machine

    _, messages = run(
        ActionBookService(), user_turn("web-ben", "yes", "affirm", slots={"service_device": "SN-1"})
    )

    assert replies(messages) == ["utter_no_serviceable_device"]


def test_product_answer_lists_what_fits_the_customers_machine(shop: Engine) -> None:
    add_machine(shop)
    tracker = user_turn(
        "web-anna", "which capsules fit", "ask_product", entities=[entity("product", "capsules")]
    )

    _, messages = run(ActionAnswerProduct(), tracker)

    assert replies(messages) == [
        "Here's what I found: Barista espresso capsules, 50 pack (€17.50, for the Barista Compact capsule "
        "coffee machine); Espresso capsules, 50 (€17.50). For your Barista Compact capsule coffee machine: "
        "Barista espresso capsules, 50 pack (€17.50)."
    ]


def test_visitor_product_question_without_a_product_is_general(shop: Engine) -> None:
    _, messages = run(ActionAnswerProduct(), user_turn("visitor-1", "what fits my machine", "ask_product"))

    assert replies(messages) == ["utter_product_visitor", "utter_ask_identify"]


def test_unknown_product(shop: Engine) -> None:
    tracker = user_turn("visitor-1", "toner?", "ask_product", entities=[entity("product", "toner")])

    _, messages = run(ActionAnswerProduct(), tracker)

    assert [(m["response"], m["product"]) for m in messages] == [("utter_product_not_found", "toner")]
