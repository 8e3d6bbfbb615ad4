"""Cancelling or changing an order: one form (which order? are you sure?) checked against the store."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import orders
from actions.base import for_customer, order_not_found
from actions.identity import current_customer
from actions.orders import latest_intent, money, named_order
from actions.store import unit_of_work
from crm.db import StoreError
from crm.models import OrderStatus
from crm.services.customers import CustomerView
from crm.services.errors import OrderNotFound
from crm.services.orders import (
    CHANGEABLE_STATUSES,
    OrderAction,
    OrderActionRefused,
    OrderStatusView,
    cancel_order,
    check_order_action,
    open_orders,
    request_order_change,
)
from crm.services.refunds import REFUND_WORKING_DAYS, RETURN_WINDOW_DAYS
from crm.uow import UnitOfWork

log = logging.getLogger(__name__)

FORM = "order_change_form"
_VERB = {OrderAction.CANCEL: "cancelled", OrderAction.CHANGE: "changed"}
_YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def requested_action(tracker: Tracker) -> OrderAction:
    return (
        OrderAction.CANCEL if tracker.get_slot("requested_order_action") == "cancel" else OrderAction.CHANGE
    )


def refusal_text(number: str, action: OrderAction, status: OrderStatus) -> str:
    """Why `action` is impossible on an order in `status`, and what the customer can do instead."""
    verb = _VERB[action]
    returns = f"you can return it within {RETURN_WINDOW_DAYS} days of delivery for a full refund"
    if status is OrderStatus.SHIPPED:
        return (
            f"Order {number} has already shipped, so it can't be {verb} any more. Once it arrives, {returns}."
        )
    if status is OrderStatus.DELIVERED:
        return f"Order {number} was already delivered, so it can't be {verb} any more, but {returns}."
    return f"Order {number} is already {status.value}, so there is nothing left to change on it."


def _changeable(views: tuple[OrderStatusView, ...]) -> list[OrderStatusView]:
    return [view for view in views if view.status in CHANGEABLE_STATUSES]


class ActionPrepareOrderChange(Action):
    """Starts the cancel/change form for an identified customer with an order that still allows it."""

    def name(self) -> str:
        return "action_prepare_order_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        action = "cancel" if latest_intent(tracker) == "cancel_order" else "change"
        stop = [SlotSet("requested_order_action", "none")]
        try:
            uow = unit_of_work()
            customer = current_customer(uow, tracker)
            if customer is None:
                dispatcher.utter_message(response="utter_order_change_general")
                dispatcher.utter_message(response="utter_ask_identify")
                return stop
            number = named_order(tracker)
            if number is None and not _changeable(open_orders(uow, customer.id, limit=10)):
                dispatcher.utter_message(
                    text=f"None of your orders can still be {_VERB[OrderAction(action)]}: "
                    "everything has shipped already."
                )
                dispatcher.utter_message(response="utter_order_change_general")
                return stop
        except StoreError:
            log.exception("order change unavailable for sender %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_store_unavailable")
            return stop
        # A number from an earlier turn must not be cancelled by surprise: only this message counts.
        return [
            SlotSet("requested_order_action", action),
            SlotSet("order_number", number),
            SlotSet("confirm_order_change", None),
        ]


class ActionAskOrderNumber(Action):
    """Which order? Offers the customer's orders that can still be cancelled or changed."""

    def name(self) -> str:
        return f"action_ask_{FORM}_order_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        action = requested_action(tracker)
        intent = "cancel_order" if action is OrderAction.CANCEL else "change_order"
        question = f"Which order do you want to {action.value}?"
        try:
            uow = unit_of_work()
            customer = current_customer(uow, tracker)
            views = _changeable(open_orders(uow, customer.id)) if customer else []
        except StoreError:
            log.exception("open orders unavailable for sender %s", tracker.sender_id)
            views = []
        if not views:
            dispatcher.utter_message(text=f"{question} Please tell me the order number.")
            return []
        latest = views[0]
        buttons = [
            {
                "title": f"{view.number}: {', '.join(view.items)}",
                "payload": f'/{intent}{{"order_number":"{view.number}"}}',
            }
            for view in views
        ]
        dispatcher.utter_message(
            text=f"{question} Your latest open order is {latest.number} ({', '.join(latest.items)}).",
            buttons=buttons,
        )
        return []


class ActionAskConfirmOrderChange(Action):
    """Are you sure? Names the order, what it contains and what happens to the money."""

    def name(self) -> str:
        return f"action_ask_{FORM}_confirm_order_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        action, number = requested_action(tracker), str(tracker.get_slot("order_number"))
        try:
            uow = unit_of_work()
            customer = current_customer(uow, tracker)
            view = check_order_action(uow, customer.id, number, action) if customer else None
        except (StoreError, OrderNotFound, OrderActionRefused):
            view = None  # the submit step re-checks and explains; here a plain question is enough
        if view is None:
            dispatcher.utter_message(text=f"Shall I {action.value} order {number}?", buttons=_YES_NO)
            return []
        what = f"order {view.number} ({', '.join(view.items)}, {money(view.total, view.currency)})"
        if action is OrderAction.CHANGE:
            text = f"Shall I pass your change request for {what} to our warehouse team?"
        elif view.status is OrderStatus.PAID:
            text = f"Cancel {what}? It is paid, so the full amount comes back to you."
        else:
            text = f"Cancel {what}? It isn't paid yet, so nothing will be charged."
        dispatcher.utter_message(text=text, buttons=_YES_NO)
        return []


class ValidateOrderChangeForm(FormValidationAction):
    """Only the customer's own orders, and only ones whose state still allows the change."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # "Yes" to "your latest open order is ..." means that one.
        if tracker.get_slot("requested_slot") != "order_number" or named_order(tracker) is not None:
            return {}
        if latest_intent(tracker) != "affirm":
            return {}
        try:
            uow = unit_of_work()
            customer = current_customer(uow, tracker)
            views = _changeable(open_orders(uow, customer.id)) if customer else []
        except StoreError:
            return {}
        return {"order_number": views[0].number} if views else {}

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        action = requested_action(tracker)
        try:
            found = for_customer(
                dispatcher,
                tracker,
                lambda uow, customer: check_order_action(uow, customer.id, str(value), action),
                log=log,
                failure="order check unavailable for sender %s",
            )
        except OrderNotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_number=value)
            return {"order_number": None}
        except OrderActionRefused as refused:
            dispatcher.utter_message(text=refusal_text(refused.number, action, refused.status))
            return {"order_number": refused.number, "requested_slot": None}  # ends the form
        if found is None:
            return {"order_number": None, "requested_slot": None}
        return {"order_number": found[1].number}


class ActionSubmitOrderChange(Action):
    """Does what the customer confirmed (or nothing) and says what state the order is in now."""

    def name(self) -> str:
        return "action_submit_order_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reset = [SlotSet("requested_order_action", None), SlotSet("confirm_order_change", None)]
        confirmed, number = tracker.get_slot("confirm_order_change"), tracker.get_slot("order_number")
        if confirmed is None or number is None:
            return reset  # the form ended early; validation already said why
        if confirmed is False:
            dispatcher.utter_message(response="utter_order_change_kept", order_number=number)
            return reset
        action, now = requested_action(tracker), orders.utc_now()

        def carry_out(uow: UnitOfWork, customer: CustomerView) -> str:
            if action is OrderAction.CANCEL:
                result = cancel_order(uow, customer.id, number, now)
                if result.was_paid:
                    return (
                        f"Done: order {result.number} is cancelled. Your refund of "
                        f"{money(result.refund_amount, result.currency)} goes back to the payment method "
                        f"you used within {REFUND_WORKING_DAYS} working days."
                    )
                return f"Done: order {result.number} is cancelled. It wasn't paid, so nothing was charged."
            change = request_order_change(uow, customer.id, number, _change_request(tracker), now)
            return (
                f"I've noted your change request on order {change.number} for our warehouse team. "
                f"The order is still {change.status.value}; they check the change before packing and "
                "confirm by email, or tell you if it isn't possible."
            )

        try:
            found = for_customer(
                dispatcher,
                tracker,
                carry_out,
                log=log,
                failure="order change failed for sender %s",
                missing=[order_not_found(number)],
            )
        except OrderActionRefused as refused:
            dispatcher.utter_message(text=refusal_text(refused.number, action, refused.status))
            return reset
        if found is not None:
            dispatcher.utter_message(text=found[1])
        return reset


def _change_request(tracker: Tracker) -> str:
    """The customer's own words when they asked for the change: the team needs to know what."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and (event.get("parse_data") or {}).get("intent", {}).get("name") == (
            "change_order"
        ):
            return str(event.get("text") or "")
    return ""
