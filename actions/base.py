"""The shape most customer actions share: find who is writing, ask the store, or say why not."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import current_customer
from actions.store import unit_of_work
from crm.db import StoreError
from crm.services.customers import CustomerView
from crm.services.errors import OrderNotFound
from crm.uow import UnitOfWork

T = TypeVar("T")

Reply = dict[str, Any]
"""The keyword arguments of one `dispatcher.utter_message` call."""

NO_ORDERS: Reply = {"response": "utter_no_orders"}


def order_not_found(number: Any) -> Reply:
    return {"response": "utter_order_not_found", "order_number": number}


def for_customer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    fetch: Callable[[UnitOfWork, CustomerView], T],
    *,
    log: logging.Logger,
    failure: str,
    visitor: Sequence[Reply] = (),
    number: str | None = None,
    missing: Sequence[Reply] | None = None,
) -> tuple[CustomerView, T] | None:
    """The identified customer and what `fetch` found for them, or None once the chat has been answered.

    Args:
        dispatcher: Where the replies for the cases without an answer go.
        tracker: The conversation; its sender is mapped to a customer.
        fetch: Asks the store's services for this customer.
        log: The calling module's logger, which records an outage.
        failure: The log message for an outage, with one `%s` for the sender id.
        visitor: What an unidentified visitor is told before being asked to identify.
        number: The order number the customer named, if any.
        missing: What to say when `fetch` finds no order and none was named (a named one is
            reported as not found); None lets `OrderNotFound` through to the caller.
    """
    try:
        uow = unit_of_work()
        customer = current_customer(uow, tracker)
        if customer is None:
            for reply in visitor:
                dispatcher.utter_message(**reply)
            dispatcher.utter_message(response="utter_ask_identify")
            return None
        return customer, fetch(uow, customer)
    except OrderNotFound:
        if missing is None:
            raise
        for reply in [order_not_found(number)] if number else missing:
            dispatcher.utter_message(**reply)
        return None
    except StoreError:
        log.exception(failure, tracker.sender_id)
        dispatcher.utter_message(response="utter_store_unavailable")
        return None
