"""Product questions answered from the catalogue, and from the customer's own devices."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.identity import current_customer
from actions.store import unit_of_work
from crm.db import StoreError
from crm.services.catalog import CatalogAnswer, ProductView, product_answer

log = logging.getLogger(__name__)

MAX_LISTED = 4


def _item(view: ProductView, *, with_fit: bool) -> str:
    fit = f", for the {view.fits}" if with_fit and view.fits else ""
    return f"{view.name} (€{view.price}{fit})"


def describe_answer(answer: CatalogAnswer) -> str:
    parts = []
    if answer.matches:
        listed = "; ".join(_item(view, with_fit=True) for view in answer.matches[:MAX_LISTED])
        parts.append(f"Here's what I found: {listed}.")
        if answer.fits_own_device is False and answer.supplies:
            parts.append("Note that this doesn't fit your own device.")
    for supplies in answer.supplies:
        if supplies.consumables:
            listed = ", ".join(_item(view, with_fit=False) for view in supplies.consumables[:MAX_LISTED])
            parts.append(f"For your {supplies.device}: {listed}.")
    return " ".join(parts)


class ActionAnswerProduct(Action):
    """Prices and what fits: personal (their devices) for customers, general for visitors."""

    def name(self) -> str:
        return "action_answer_product"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        product = next(tracker.get_latest_entity_values("product"), None)
        try:
            uow = unit_of_work()
            customer = current_customer(uow, tracker)
            answer = product_answer(uow, customer.id if customer else None, product)
        except StoreError:
            log.exception("catalogue unavailable for sender %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_store_unavailable")
            return []
        if product and not answer.matches:
            dispatcher.utter_message(response="utter_product_not_found", product=product)
            return []
        text = describe_answer(answer)
        if text:
            dispatcher.utter_message(text=text)
        else:
            dispatcher.utter_message(response="utter_product_visitor")
        if customer is None and not answer.matches:
            # What fits "my machine" depends on which machine they own.
            dispatcher.utter_message(response="utter_ask_identify")
        return []
