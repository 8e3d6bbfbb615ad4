"""Ordering: how to place an order, and reordering the customer's usual consumable in chat."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import orders
from actions.base import for_customer
from actions.identity import current_customer
from actions.orders import money
from actions.store import unit_of_work
from crm.db import StoreError
from crm.services.replenishment import ReorderRefused, reorder, usual_consumables

log = logging.getLogger(__name__)

OFFER_SLOTS = ("reorder_product_id", "reorder_quantity", "reorder_item", "reorder_total")


def _clear_offer() -> list[dict[str, Any]]:
    return [SlotSet("reorder_offered", None), SlotSet("confirm_reorder", None)] + [
        SlotSet(slot, None) for slot in OFFER_SLOTS
    ]


class ActionGuidePlaceOrder(Action):
    """The steps to order, and for a known customer a nudge towards their usual consumable."""

    def name(self) -> str:
        return "action_guide_place_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_place_order_steps")
        try:
            uow = unit_of_work()
            customer = current_customer(uow, tracker)
            usual = usual_consumables(uow, customer.id) if customer else ()
        except StoreError:
            # The steps above already answer the question; the suggestion is a bonus.
            log.exception("usual consumables unavailable for sender %s", tracker.sender_id)
            return []
        if usual:
            first = usual[0]
            dispatcher.utter_message(
                text=f"Tip: your usual is {first.last_quantity} x {first.name} "
                f'({money(first.total, first.currency)}). Say "reorder my usual" and I\'ll order it for you.'
            )
        return []


class ActionOfferReorder(Action):
    """Finds the customer's usual consumable and prepares the offer the reorder form asks about."""

    def name(self) -> str:
        return "action_offer_reorder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        declined = [SlotSet("reorder_offered", False)]
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: usual_consumables(uow, customer.id),
            log=log,
            failure="usual consumables unavailable for sender %s",
            visitor=[{"response": "utter_place_order_steps"}],
        )
        if found is None:
            return declined
        usual = found[1]
        if not usual:
            dispatcher.utter_message(response="utter_no_usual_consumable")
            return declined
        first = usual[0]
        return [
            SlotSet("reorder_offered", True),
            SlotSet("reorder_product_id", float(first.product_id)),
            SlotSet("reorder_quantity", float(first.last_quantity)),
            SlotSet("reorder_item", f"{first.last_quantity} x {first.name}"),
            SlotSet("reorder_total", money(first.total, first.currency)),
            SlotSet("confirm_reorder", None),
        ]


class ActionSubmitReorder(Action):
    """Places the reorder the customer confirmed, or confirms that nothing was ordered."""

    def name(self) -> str:
        return "action_submit_reorder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        product_id, quantity = tracker.get_slot("reorder_product_id"), tracker.get_slot("reorder_quantity")
        if tracker.get_slot("confirm_reorder") is not True or product_id is None or quantity is None:
            dispatcher.utter_message(response="utter_reorder_declined")
            return _clear_offer()
        try:
            found = for_customer(
                dispatcher,
                tracker,
                lambda uow, customer: reorder(
                    uow, customer.id, int(product_id), int(quantity), orders.utc_now()
                ),
                log=log,
                failure="reorder failed for sender %s",
            )
        except ReorderRefused:
            dispatcher.utter_message(response="utter_no_usual_consumable")
            return _clear_offer()
        if found is None:
            return _clear_offer()
        result = found[1]
        dispatcher.utter_message(
            text=f"Done! I've placed order {result.number}: {result.item}, "
            f"{money(result.total, result.currency)}. It ships as soon as it's paid: "
            f"find it in your account under Orders → {result.number} → Pay now."
        )
        return _clear_offer()
