"""Cancel/change order form: the check before it, the questions, the validation and the submit."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import Engine

from actions.order_forms import (
    ActionAskConfirmOrderChange,
    ActionAskOrderNumber,
    ActionPrepareOrderChange,
    ActionSubmitOrderChange,
    ValidateOrderChangeForm,
)
from crm.models import Channel, OrderStatus
from crm.services.customers import identify_customer
from crm.services.orders import order_status
from crm.uow import UnitOfWork
from tests.trackers import earlier_user_turn, entity, user_turn
from tests.unit.test_order_actions_shop import (
    FORMS_DOMAIN,
    NOW,
    order_shop,
    run,
    store_gone,
    texts,
    with_slot_candidates,
)

__all__ = ["order_shop", "store_gone"]  # fixtures, imported for pytest

CANCEL = {"requested_order_action": "cancel", "requested_slot": "order_number"}


def _status(store: Engine, sender: str, number: str) -> tuple[OrderStatus, Any]:
    uow = UnitOfWork.for_engine(store)
    view = order_status(uow, identify_customer(uow, Channel.WEB, sender).id, number)
    return view.status, view.status_since


# --- action_prepare_order_change ------------------------------------------------------------


def test_prepare_starts_a_cancel_with_the_number_from_this_message_only(order_shop: str) -> None:
    tracker = user_turn(
        "web-anna", "cancel order 2000004", "cancel_order", entities=[entity("order_number", "2000004")]
    )

    events, messages = run(ActionPrepareOrderChange(), tracker)

    assert events == [
        SlotSet("requested_order_action", "cancel"),
        SlotSet("order_number", "2000004"),
        SlotSet("confirm_order_change", None),
    ]
    assert messages == []


def test_prepare_forgets_an_order_number_from_an_earlier_turn(order_shop: str) -> None:
    tracker = user_turn(
        "web-anna", "I want to change my order", "change_order", slots={"order_number": "2000001"}
    )

    events, _ = run(ActionPrepareOrderChange(), tracker)

    assert events[:2] == [SlotSet("requested_order_action", "change"), SlotSet("order_number", None)]


def test_prepare_asks_a_visitor_to_identify_and_starts_no_form(order_shop: str) -> None:
    events, messages = run(
        ActionPrepareOrderChange(), user_turn("visitor-1", "cancel my order", "cancel_order")
    )

    assert events == [SlotSet("requested_order_action", "none")]
    assert texts(messages) == ["utter_order_change_general", "utter_ask_identify"]


def test_prepare_says_when_nothing_can_be_cancelled_any_more(order_shop: str) -> None:
    # Dana's orders are all shipped, returned or cancelled.
    events, messages = run(
        ActionPrepareOrderChange(), user_turn("web-dana", "cancel my order", "cancel_order")
    )

    assert events == [SlotSet("requested_order_action", "none")]
    assert texts(messages) == [
        "None of your orders can still be cancelled: everything has shipped already.",
        "utter_order_change_general",
    ]


def test_prepare_with_the_store_down_says_so(store_gone: None) -> None:
    events, messages = run(
        ActionPrepareOrderChange(), user_turn("web-anna", "cancel my order", "cancel_order")
    )

    assert events == [SlotSet("requested_order_action", "none")]
    assert texts(messages) == ["utter_store_unavailable"]


# --- the questions ----------------------------------------------------------------------------


def test_which_order_offers_the_orders_that_can_still_be_cancelled(order_shop: str) -> None:
    events, messages = run(
        ActionAskOrderNumber(), user_turn("web-anna", "cancel my order", "cancel_order", slots=CANCEL)
    )

    assert events == []
    assert messages[0]["text"] == (
        "Which order do you want to cancel? Your latest open order is 2000004 (2 x Espresso capsules, 50)."
    )
    # 2000002 is open too, but shipped: not offered.
    assert messages[0]["buttons"] == [
        {"title": "2000004: 2 x Espresso capsules, 50", "payload": '/cancel_order{"order_number":"2000004"}'}
    ]


def test_are_you_sure_says_a_paid_order_is_refunded(order_shop: str) -> None:
    slots = {"requested_order_action": "cancel", "order_number": "2000003"}

    _, messages = run(
        ActionAskConfirmOrderChange(), user_turn("web-ben", "2000003", "cancel_order", slots=slots)
    )

    assert texts(messages) == [
        "Cancel order 2000003 (1 x Espresso capsules, 50, 17.50 EUR)? "
        "It is paid, so the full amount comes back to you."
    ]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]


def test_are_you_sure_for_a_change_names_the_order(order_shop: str) -> None:
    slots = {"requested_order_action": "change", "order_number": "2000004"}

    _, messages = run(
        ActionAskConfirmOrderChange(), user_turn("web-anna", "2000004", "change_order", slots=slots)
    )

    assert texts(messages) == [
        "Shall I pass your change request for order 2000004 (2 x Espresso capsules, 50, 35.00 EUR) "
        "to our warehouse team?"
    ]


# --- validate_order_change_form ---------------------------------------------------------------


def _validate(
    sender: str, intent: str, slots: dict[str, Any], **candidates: Any
) -> tuple[list[Any], list[Any]]:
    tracker = with_slot_candidates(user_turn(sender, "...", intent, slots=dict(slots)), **candidates)
    return run(ValidateOrderChangeForm(), tracker, FORMS_DOMAIN)


def test_own_cancellable_order_is_accepted(order_shop: str) -> None:
    events, messages = _validate("web-anna", "cancel_order", CANCEL, order_number="#2000004")

    assert events == [SlotSet("order_number", "2000004")]
    assert messages == []


def test_someone_elses_order_is_not_found_and_asked_again(order_shop: str) -> None:
    events, messages = _validate("web-anna", "cancel_order", CANCEL, order_number="2000003")

    assert events == [SlotSet("order_number", None)]
    assert [(m["response"], m["order_number"]) for m in messages] == [("utter_order_not_found", "2000003")]


def test_shipped_order_is_refused_with_the_reason_and_the_form_ends(order_shop: str) -> None:
    events, messages = _validate("web-anna", "cancel_order", CANCEL, order_number="2000002")

    assert events == [SlotSet("order_number", "2000002"), SlotSet("requested_slot", None)]
    assert texts(messages) == [
        "Order 2000002 has already shipped, so it can't be cancelled any more. "
        "Once it arrives, you can return it within 30 days of delivery for a full refund."
    ]


def test_delivered_order_cannot_be_changed(order_shop: str) -> None:
    slots = {"requested_order_action": "change", "requested_slot": "order_number"}

    events, messages = _validate("web-anna", "change_order", slots, order_number="2000001")

    assert events == [SlotSet("order_number", "2000001"), SlotSet("requested_slot", None)]
    assert texts(messages) == [
        "Order 2000001 was already delivered, so it can't be changed any more, "
        "but you can return it within 30 days of delivery for a full refund."
    ]


def test_yes_to_which_order_takes_the_suggested_latest(order_shop: str) -> None:
    events, _ = _validate("web-anna", "affirm", CANCEL)

    assert events == [SlotSet("order_number", "2000004")]


# --- action_submit_order_change ---------------------------------------------------------------

RESET = [SlotSet("requested_order_action", None), SlotSet("confirm_order_change", None)]


def _submit(sender: str, action: str, number: str | None, confirmed: bool | None, **kw: Any) -> Any:
    slots = {"requested_order_action": action, "order_number": number, "confirm_order_change": confirmed}
    return run(ActionSubmitOrderChange(), user_turn(sender, "yes", "affirm", slots=slots, **kw))


def test_confirmed_cancel_of_a_paid_order_cancels_it_and_promises_the_refund(
    order_shop: str, store: Engine
) -> None:
    events, messages = _submit("web-ben", "cancel", "2000003", True)

    assert events == RESET
    assert texts(messages) == [
        "Done: order 2000003 is cancelled. Your refund of 17.50 EUR goes back to the payment method you used "
        "within 5 working days."
    ]
    assert _status(store, "web-ben", "2000003") == (OrderStatus.CANCELLED, NOW)


def test_confirmed_cancel_of_an_unpaid_order(order_shop: str, store: Engine) -> None:
    _, messages = _submit("web-anna", "cancel", "2000004", True)

    assert texts(messages) == ["Done: order 2000004 is cancelled. It wasn't paid, so nothing was charged."]
    assert _status(store, "web-anna", "2000004")[0] is OrderStatus.CANCELLED


def test_no_at_are_you_sure_changes_nothing(order_shop: str, store: Engine) -> None:
    events, messages = _submit("web-anna", "cancel", "2000004", False)

    assert events == RESET
    assert [(m["response"], m["order_number"]) for m in messages] == [("utter_order_change_kept", "2000004")]
    assert _status(store, "web-anna", "2000004")[0] is OrderStatus.PLACED


def test_form_ended_by_validation_submits_nothing_and_says_nothing(order_shop: str) -> None:
    assert _submit("web-anna", "cancel", "2000002", None) == (RESET, [])


def test_confirmed_change_records_the_customers_words(order_shop: str, store: Engine) -> None:
    earlier = earlier_user_turn("please add a descaler to order 2000004", "change_order", "order_change_form")

    events, messages = _submit("web-anna", "change", "2000004", True, earlier=earlier)

    assert events == RESET
    assert texts(messages) == [
        "I've noted your change request on order 2000004 for our warehouse team. The order is still placed; "
        "they check the change before packing and confirm by email, or tell you if it isn't possible."
    ]
    assert _status(store, "web-anna", "2000004") == (OrderStatus.PLACED, NOW)


def test_submit_with_the_store_down_says_so(store_gone: None) -> None:
    events, messages = _submit("web-anna", "cancel", "2000004", True)

    assert events == RESET
    assert texts(messages) == ["utter_store_unavailable"]


@pytest.mark.parametrize("sender", ["visitor-1"])
def test_submit_for_a_visitor_asks_to_identify(order_shop: str, sender: str) -> None:
    _, messages = _submit(sender, "cancel", "2000004", True)

    assert texts(messages) == ["utter_ask_identify"]
