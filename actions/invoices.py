"""Invoices and payments: the customer's invoice references, and help when a payment fails."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import NO_ORDERS, for_customer
from actions.orders import latest_intent, money, named_order
from crm.models import OrderStatus
from crm.services.invoices import OrderInvoicesView, order_invoices
from crm.services.orders import order_status

log = logging.getLogger(__name__)


def describe_invoices(view: OrderInvoicesView, *, wants_copy: bool) -> str:
    if not view.invoices:
        return (
            f"Order {view.order_number} has no invoice yet: we issue it as soon as the payment arrives "
            f"(the order is {view.order_status.value})."
        )
    lines = [
        f"invoice {i.number} of {i.issued_at.strftime('%-d %b %Y')} for {money(i.amount, view.currency)}"
        for i in view.invoices
    ]
    text = f"For order {view.order_number} there is " + " and ".join(lines) + "."
    if wants_copy:
        text += f" You can download it as a PDF in your account under Orders → {view.order_number}."
    return text


class ActionReportInvoices(Action):
    """Invoice references, dates and amounts of the customer's latest (or named) order."""

    def name(self) -> str:
        return "action_report_invoices"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        number = named_order(tracker)
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: order_invoices(uow, customer.id, number),
            log=log,
            failure="invoices unavailable for sender %s",
            visitor=[{"response": "utter_invoice_general"}],
            number=number,
            missing=[NO_ORDERS],
        )
        if found is None:
            return []
        wants_copy = latest_intent(tracker) == "get_invoice"
        dispatcher.utter_message(text=describe_invoices(found[1], wants_copy=wants_copy))
        return []


class ActionHelpPaymentIssue(Action):
    """General payment troubleshooting, plus whether the customer's latest order still awaits payment."""

    def name(self) -> str:
        return "action_help_payment_issue"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_payment_issue_steps")
        # No order yet: the steps above are the whole answer.
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: order_status(uow, customer.id),
            log=log,
            failure="payment state unavailable for sender %s",
            missing=[],
        )
        if found is None:
            return []
        latest = found[1]
        if latest.status is OrderStatus.PLACED:
            dispatcher.utter_message(
                text=f"Your latest order {latest.number} ({money(latest.total, latest.currency)}) is still "
                "waiting for payment. You can pay it in your account under "
                f"Orders → {latest.number} → Pay now; it ships once the payment arrives."
            )
        else:
            dispatcher.utter_message(
                text=f"Your latest order {latest.number} is {latest.status.value}: "
                "no payment is outstanding on it."
            )
        return []
