"""Refund questions: where is my money, and what does cancelling cost."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import orders
from actions.base import NO_ORDERS, for_customer, order_not_found
from actions.orders import day_text, money, named_order
from crm.services.refunds import (
    RETURN_WINDOW_DAYS,
    CancellationFee,
    RefundState,
    RefundView,
    cancellation_fee,
    refund_status,
)

log = logging.getLogger(__name__)


def describe_refund(view: RefundView) -> str:
    amount, number = money(view.amount, view.currency), view.number
    match view.state:
        case RefundState.REFUNDED:
            when = f" on {day_text(view.refunded_on)}" if view.refunded_on else ""
            return (
                f"We refunded {amount} for order {number}{when}, to the payment method you used. "
                "Banks can take a few days to show it."
            )
        case RefundState.PENDING:
            why = (
                "is back in our warehouse"
                if view.order_status.value == "returned"
                else "was cancelled after payment"
            )
            due = day_text(view.expected_by) if view.expected_by else "soon"
            if view.overdue:
                return (
                    f"I'm sorry: order {number} {why} and your refund of "
                    f"{amount} was due by {due}. It is late; "
                    "a colleague can check it for you right away if you ask for a person."
                )
            return (
                f"Order {number} {why}; your refund of {amount} is on its way and should reach you by {due}."
            )
        case RefundState.NOTHING_CHARGED:
            return (
                f"Order {number} was cancelled before payment, so nothing "
                f"was charged and there is nothing to refund."
            )
    return (
        f"There is no refund for order {number}: it is {view.order_status.value}, not cancelled or returned. "
        f"You can return a delivered order within {RETURN_WINDOW_DAYS} days for a full refund."
    )


class ActionReportRefund(Action):
    """The refund state of the customer's latest cancelled or returned order (or the named one)."""

    def name(self) -> str:
        return "action_report_refund"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        number = named_order(tracker)
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: refund_status(uow, customer.id, number, orders.utc_now()),
            log=log,
            failure="refund status unavailable for sender %s",
            visitor=[{"response": "utter_refund_policy"}],
            number=number,
            missing=[NO_ORDERS],
        )
        if found is not None:
            dispatcher.utter_message(text=describe_refund(found[1]))
        return []


class ActionExplainCancellationFee(Action):
    """The cancellation policy; for a named order of the customer, what it means for that order."""

    def name(self) -> str:
        return "action_explain_cancellation_fee"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        number = named_order(tracker)
        if number is None:
            dispatcher.utter_message(response="utter_cancellation_policy")
            return []
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: cancellation_fee(uow, customer.id, number),
            log=log,
            failure="cancellation fee unavailable for sender %s",
            visitor=[{"response": "utter_cancellation_policy"}],
            missing=[order_not_found(number)],
        )
        if found is None:
            return []
        view = found[1]
        texts = {
            CancellationFee.FREE: (
                f"Order {view.number} hasn't shipped yet, so you can cancel it free of charge."
            ),
            CancellationFee.RETURN: (
                f"Order {view.number} has already shipped, so it can't be "
                f"cancelled; you can return it within "
                f"{RETURN_WINDOW_DAYS} days of delivery for a full refund, with free return shipping."
            ),
            CancellationFee.NOT_APPLICABLE: (
                f"Order {view.number} is already {view.status.value}: there is nothing to pay."
            ),
        }
        dispatcher.utter_message(text=texts[view.fee])
        return []
