"""Complaints and reviews: a case the team works from, a rating we keep."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import for_customer, order_not_found
from actions.identity import current_customer
from actions.store import unit_of_work
from crm.db import StoreError
from crm.services.cases import open_complaint
from crm.services.reviews import record_review

log = logging.getLogger(__name__)

FOLLOWUP = "care_followup"
_RATING_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_NUMBER = r"([1-5]|one|two|three|four|five)"
# A rating is a number said alone ("4") or with a scale ("five stars", "3/5"), so counts and
# amounts ("two packs") are not taken for ratings.
_RATING = re.compile(
    rf"^\s*{_NUMBER}\s*[.!]*\s*$|\b{_NUMBER}\s*(?:stars?\b|/\s*5\b|out of (?:5|five)\b)", re.IGNORECASE
)
# A message that is only a rating ("4", "four stars", "5/5") is not review text.
_ONLY_RATING = re.compile(rf"^\s*{_NUMBER}\s*(?:stars?|/\s*5|out of (?:5|five))?\s*[.!]*\s*$", re.IGNORECASE)


def utc_now() -> datetime:
    """The edge of the system where "now" is read; tests replace it."""
    return datetime.now(UTC)


def followup(value: str | None) -> dict[str, Any]:
    """What "yes"/"no" after this action answers (see `care_followup` in domain/care.yml)."""
    event: dict[str, Any] = SlotSet(FOLLOWUP, value)
    return event


def parse_rating(text: str) -> int | None:
    stars = text.count("★")
    if 1 <= stars <= 5:
        return stars
    match = _RATING.search(text)
    if match is None:
        return None
    word = (match.group(1) or match.group(2)).lower()
    return _RATING_WORDS.get(word) or int(word)


class ActionFileComplaint(Action):
    """Opens a complaint case about the named or latest order, or joins the open one."""

    def name(self) -> str:
        return "action_file_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        number = next(tracker.get_latest_entity_values("order_number"), None)
        text = tracker.latest_message.get("text") or ""
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: open_complaint(uow, customer.id, text, utc_now(), number),
            log=log,
            failure="complaint not filed for sender %s",
            visitor=[{"response": "utter_complaint_visitor"}],
            missing=[order_not_found(number)],
        )
        if found is None:
            return []
        case = found[1]
        response = "utter_complaint_added" if case.reused else "utter_complaint_opened"
        if case.order_number is None:
            response += "_no_order"
        dispatcher.utter_message(
            response=response, case_number=case.number, topic=case.topic, order_number=case.order_number
        )
        return []


class ValidateReviewForm(FormValidationAction):
    """Asks for a 1-5 rating unless the review message already had one; visitors skip the form."""

    def name(self) -> str:
        return "validate_review_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Asking a visitor for stars we cannot store would waste their time.
        try:
            if current_customer(unit_of_work(), tracker) is None:
                return []
        except StoreError:
            pass  # the submit action reports the outage
        return domain_slots

    async def extract_rating(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("rating") is not None:
            return {}
        rating = parse_rating(tracker.latest_message.get("text") or "")
        return {"rating": float(rating)} if rating else {}

    def validate_rating(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            rating = int(float(value))
        except (TypeError, ValueError):
            rating = 0
        if not 1 <= rating <= 5:
            dispatcher.utter_message(response="utter_rating_invalid")
            return {"rating": None}
        return {"rating": float(rating)}


class ActionSubmitReview(Action):
    """Stores the rating with the customer's words; low ratings get the offer of a person."""

    def name(self) -> str:
        return "action_submit_review"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reset = [SlotSet("rating", None)]
        rating = tracker.get_slot("rating")
        try:
            uow = unit_of_work()
            customer = current_customer(uow, tracker)
            if customer is None or rating is None:
                dispatcher.utter_message(response="utter_review_visitor")
                dispatcher.utter_message(response="utter_ask_identify")
                return [*reset, followup(None)]
            review = record_review(uow, customer.id, int(rating), review_text(tracker), utc_now())
        except StoreError:
            log.exception("review not stored for sender %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_store_unavailable")
            return [*reset, followup(None)]
        response = "utter_review_sorry" if review.is_low else "utter_review_thanks"
        dispatcher.utter_message(response=response, rating=review.rating, first_name=customer.first_name)
        return [*reset, followup("offer_human" if review.is_low else None)]


def review_text(tracker: Tracker) -> str:
    """What the customer wrote from the message that started the review form on.

    Button payloads and bare ratings ("4 stars") are answers to our question, not review text.
    """
    events = list(tracker.events)
    started = max(
        (
            i
            for i, e in enumerate(events)
            if e.get("event") == "active_loop" and e.get("name") == "review_form"
        ),
        default=len(events),
    )
    trigger = max((i for i, e in enumerate(events[:started]) if e.get("event") == "user"), default=started)
    texts = [(event.get("text") or "").strip() for event in events[trigger:] if event.get("event") == "user"]
    return "\n".join(t for t in texts if t and not t.startswith("/") and not _ONLY_RATING.match(t))
