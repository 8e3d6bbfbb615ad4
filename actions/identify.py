"""Identification in chat: an order number and the email it was placed with link the chat."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import support
from actions.identity import channel_of
from actions.store import unit_of_work
from crm.db import StoreError
from crm.services.identity import details_match, link_identity, normalise_order_number

log = logging.getLogger(__name__)

# After this many wrong combinations the form stops asking (guessing must not be cheap) and a
# person is offered instead; only a successful identification resets the count.
MAX_ATTEMPTS = 3


def attempts(tracker: Tracker) -> int:
    return int(tracker.get_slot("identify_attempts") or 0)


class ValidateIdentifyForm(FormValidationAction):
    """Checks the pair only as a pair: a mismatch never says which half was wrong."""

    def name(self) -> str:
        return "validate_identify_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return [] if attempts(tracker) >= MAX_ATTEMPTS else domain_slots

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = normalise_order_number(str(value or ""))
        return {"order_number": number or None}

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = str(value or "").strip().lower()
        return {"email": email if "@" in email else None}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = await super().run(dispatcher, tracker, domain)
        order_number, email = tracker.get_slot("order_number"), tracker.get_slot("email")
        if attempts(tracker) >= MAX_ATTEMPTS or not order_number or not email:
            return events
        try:
            if details_match(unit_of_work(), order_number, email):
                return events
        except StoreError:
            # End the form; action_complete_identification tells the customer.
            log.exception("identification check failed for sender %s", tracker.sender_id)
            return [*events, SlotSet(REQUESTED_SLOT, None)]
        tries = attempts(tracker) + 1
        events += [SlotSet("order_number", None), SlotSet("email", None), SlotSet("identify_attempts", tries)]
        if tries >= MAX_ATTEMPTS:
            return [*events, SlotSet(REQUESTED_SLOT, None)]
        dispatcher.utter_message(response="utter_identify_no_match")
        return events


class ActionCompleteIdentification(Action):
    """Links the chat to the proven customer and greets them, or offers a person."""

    def name(self) -> str:
        return "action_complete_identification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        order_number, email = tracker.get_slot("order_number"), tracker.get_slot("email")
        customer = None
        if order_number and email and attempts(tracker) < MAX_ATTEMPTS:
            try:
                customer = link_identity(
                    unit_of_work(),
                    order_number,
                    email,
                    channel_of(tracker),
                    tracker.sender_id,
                    support.utc_now(),
                )
            except StoreError:
                log.exception("identity not linked for sender %s", tracker.sender_id)
                dispatcher.utter_message(response="utter_store_unavailable")
                return [support.followup(None)]
        if customer is None:
            dispatcher.utter_message(response="utter_identify_failed")
            return [support.followup("offer_human")]
        dispatcher.utter_message(response="utter_identified", first_name=customer.first_name)
        return [SlotSet("identify_attempts", 0), support.followup(None)]
