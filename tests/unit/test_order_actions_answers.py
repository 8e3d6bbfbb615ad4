"""Delivery, refund, invoice, payment and address answers: exact replies per customer situation."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Action

from actions.delivery import ActionAdviseShippingAddress, ActionEstimateDelivery, ActionListDeliveryOptions
from actions.invoices import ActionHelpPaymentIssue, ActionReportInvoices
from actions.refunds import ActionExplainCancellationFee, ActionReportRefund
from tests.trackers import entity, user_turn
from tests.unit.test_order_actions_shop import order_shop, run, store_gone, texts

__all__ = ["order_shop", "store_gone"]  # fixtures, imported for pytest


def _say(action: Action, sender: str, intent: str, number: str | None = None) -> list[str]:
    entities = [entity("order_number", number)] if number else []
    events, messages = run(action, user_turn(sender, f"about {number}", intent, entities=entities))
    assert events == []  # these answers never change the conversation's state
    return texts(messages)


GENERAL_DELIVERY = (
    "Paid orders leave our warehouse in Germany within 1 working day. Delivery then takes 1-2 working days "
    "in Germany, about 1-6 elsewhere in Europe and the UK, and 5-10 further away."
)


# --- delivery_period -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "number", "reply"),
    [
        ("web-anna", None, "Your order 2000004 isn't paid yet. Once the payment arrives it leaves our "
                           "warehouse "
         "within 1 working day and takes 1-2 working days to Germany."),
        ("web-anna", "2000002", "Your order 2000002 is on its way with DHL, tracking number TR2000002. "
         "Expect it between Tue 3 Nov and Wed 4 Nov."),
        ("web-ben", None, "Your order 2000003 is paid and being packed. Expect it between Thu 5 Nov and Fri "
                          "6 Nov."),
        ("web-dana", None, "I'm sorry: your order 2000013 was promised for Fri 30 Oct and is running late. "
                           "It is on "
         "its way with DPD, tracking number TR2000013; parcels usually take 3-5 working days to United "
         "Kingdom. "
         "If you like, a colleague can chase the carrier for you: just ask for a person."),
        ("web-anna", "2000001", "Your order 2000001 was delivered on Thu 24 Sep."),
        ("web-dana", "2000011", "Your order 2000011 was cancelled or sent back, so nothing is on its way "
                                "for it."),
    ],
    ids=["unpaid", "in-transit", "preparing", "late", "delivered", "cancelled"],
)  # fmt: skip
def test_delivery_estimate_follows_the_order(
    order_shop: str, sender: str, number: str | None, reply: str
) -> None:
    assert _say(ActionEstimateDelivery(), sender, "delivery_period", number) == [reply]


def test_delivery_estimate_for_a_visitor_is_general(order_shop: str) -> None:
    assert _say(ActionEstimateDelivery(), "visitor-1", "delivery_period") == [
        GENERAL_DELIVERY,
        "utter_ask_identify",
    ]


def test_delivery_estimate_never_for_someone_elses_order(order_shop: str) -> None:
    assert _say(ActionEstimateDelivery(), "web-anna", "delivery_period", "2000013") == [
        "utter_order_not_found"
    ]


def test_delivery_options_come_from_the_table(order_shop: str) -> None:
    [reply] = _say(ActionListDeliveryOptions(), "visitor-1", "delivery_options")

    assert reply.splitlines()[:2] == [
        "We deliver in these ways:",
        "- Standard: 1-2 (Germany), 2-6 (Europe) working days, 4.90 EUR, free from 50 EUR (tracked parcel)",
    ]
    assert len(reply.splitlines()) == 5


# --- shipping address --------------------------------------------------------------------------


def test_address_advice_names_which_orders_can_still_be_readdressed(order_shop: str) -> None:
    assert _say(ActionAdviseShippingAddress(), "web-anna", "change_shipping_address") == [
        "utter_shipping_address_steps",
        "Your order 2000004 hasn't shipped yet, so its delivery address can still be changed: say \"change "
        "order "
        '2000004" and tell me the new address, and our warehouse team updates it before packing.',
        "Your order 2000002 has already shipped, so its address can't be changed any more; the carrier's "
        "tracking page may let you redirect it.",
    ]


def test_address_advice_for_a_visitor(order_shop: str) -> None:
    assert _say(ActionAdviseShippingAddress(), "visitor-1", "set_up_shipping_address") == [
        "utter_shipping_address_steps",
        "utter_address_change_identify",
        "utter_ask_identify",
    ]


# --- refunds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "number", "reply"),
    [
        ("web-dana", None, "Order 2000010 is back in our warehouse; your refund of 35.00 EUR is on its way "
                           "and "
         "should reach you by Mon 9 Nov."),
        ("web-dana", "2000011", "We refunded 17.50 EUR for order 2000011 on Fri 30 Oct, to the payment "
                                "method you "
         "used. Banks can take a few days to show it."),
        ("web-dana", "2000012", "Order 2000012 was cancelled before payment, so nothing was charged and "
                                "there is "
         "nothing to refund."),
        ("web-anna", None, "There is no refund for order 2000004: it is placed, not cancelled or returned. "
                           "You can "
         "return a delivered order within 30 days for a full refund."),
    ],
    ids=["pending", "refunded", "nothing-charged", "nothing-to-refund"],
)  # fmt: skip
def test_refund_state_is_reported(order_shop: str, sender: str, number: str | None, reply: str) -> None:
    assert _say(ActionReportRefund(), sender, "track_refund", number) == [reply]


def test_refund_for_a_visitor_is_the_policy(order_shop: str) -> None:
    assert _say(ActionReportRefund(), "visitor-1", "get_refund") == [
        "utter_refund_policy",
        "utter_ask_identify",
    ]


def test_refund_of_someone_elses_order_is_not_found(order_shop: str) -> None:
    assert _say(ActionReportRefund(), "web-anna", "get_refund", "2000010") == ["utter_order_not_found"]


@pytest.mark.parametrize(
    ("number", "reply"),
    [
        (None, "utter_cancellation_policy"),
        ("2000004", "Order 2000004 hasn't shipped yet, so you can cancel it free of charge."),
        ("2000002", "Order 2000002 has already shipped, so it can't be cancelled; you can return it within "
                    "30 "
         "days of delivery for a full refund, with free return shipping."),
    ],
    ids=["general", "free", "return"],
)  # fmt: skip
def test_cancellation_fee(order_shop: str, number: str | None, reply: str) -> None:
    assert _say(ActionExplainCancellationFee(), "web-anna", "check_cancellation_fee", number) == [reply]


# --- invoices and payments -------------------------------------------------------------------


def test_invoice_of_a_named_order(order_shop: str) -> None:
    assert _say(ActionReportInvoices(), "web-anna", "check_invoice", "2000002") == [
        "For order 2000002 there is invoice INV-2000002 of 31 Oct 2026 for 52.50 EUR."
    ]


def test_invoice_copy_says_where_to_download_it(order_shop: str) -> None:
    assert _say(ActionReportInvoices(), "web-ben", "get_invoice") == [
        "For order 2000003 there is invoice INV-2000003 of 1 Nov 2026 for 17.50 EUR. "
        "You can download it as a PDF in your account under Orders → 2000003."
    ]


def test_unpaid_order_has_no_invoice_yet(order_shop: str) -> None:
    assert _say(ActionReportInvoices(), "web-anna", "check_invoice") == [
        "Order 2000004 has no invoice yet: we issue it as soon as the payment arrives (the order is placed)."
    ]


def test_invoice_for_a_visitor(order_shop: str) -> None:
    assert _say(ActionReportInvoices(), "visitor-1", "get_invoice") == [
        "utter_invoice_general",
        "utter_ask_identify",
    ]


def test_payment_issue_points_at_the_unpaid_order(order_shop: str) -> None:
    assert _say(ActionHelpPaymentIssue(), "web-anna", "payment_issue") == [
        "utter_payment_issue_steps",
        "Your latest order 2000004 (35.00 EUR) is still waiting for payment. You can pay it in your account "
        "under "
        "Orders → 2000004 → Pay now; it ships once the payment arrives.",
    ]


def test_payment_issue_when_nothing_is_outstanding(order_shop: str) -> None:
    assert _say(ActionHelpPaymentIssue(), "web-ben", "payment_issue") == [
        "utter_payment_issue_steps",
        "Your latest order 2000003 is paid: no payment is outstanding on it.",
    ]


@pytest.mark.parametrize(
    ("action", "intent", "first"),
    [
        (ActionEstimateDelivery(), "delivery_period", []),
        (ActionReportRefund(), "track_refund", []),
        (ActionReportInvoices(), "check_invoice", []),
        (ActionHelpPaymentIssue(), "payment_issue", ["utter_payment_issue_steps"]),
        (ActionAdviseShippingAddress(), "change_shipping_address", ["utter_shipping_address_steps"]),
    ],
)
def test_store_down_gets_a_polite_answer(
    store_gone: None, action: Action, intent: str, first: list[Any]
) -> None:
    assert _say(action, "web-anna", intent) == [*first, "utter_store_unavailable"]
