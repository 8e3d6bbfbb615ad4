"""When the assistant is unsure: offer the two likeliest topics, and a human after a second miss."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

# Intents that mean "not understood": never offered back as a guess.
MISSES = frozenset({"nlu_fallback", "out_of_scope"})
# Intents that only make sense as answers inside a flow: a button for them would confuse.
NOT_OFFERED = MISSES | {"affirm", "deny", "not_now", "remind_later", "identify"}

# What a customer sees on a button for each intent (their words, not ours).
INTENT_LABELS: dict[str, str] = {
    "cancel_order": "Cancel an order",
    "change_order": "Change an order",
    "change_shipping_address": "Change my shipping address",
    "check_cancellation_fee": "Cancellation fees",
    "check_invoice": "See my invoice",
    "check_payment_methods": "Payment methods",
    "check_refund_policy": "Refund policy",
    "complaint": "Make a complaint",
    "contact_customer_service": "Contact customer service",
    "contact_human_agent": "Talk to a person",
    "create_account": "Create an account",
    "delete_account": "Delete my account",
    "delivery_options": "Delivery options",
    "delivery_period": "When will it arrive?",
    "edit_account": "Edit my account",
    "get_invoice": "Get an invoice",
    "get_refund": "Get a refund",
    "newsletter_subscription": "Newsletter",
    "payment_issue": "A problem with a payment",
    "place_order": "Place an order",
    "recover_password": "Reset my password",
    "registration_problems": "Problems signing up",
    "review": "Leave a review",
    "set_up_shipping_address": "Add a shipping address",
    "switch_account": "Switch accounts",
    "track_order": "Track my order",
    "track_refund": "Where is my refund?",
    "ask_product": "A question about a product",
    "ask_service_due": "When is my service due?",
    "book_service": "Book a service",
    "reorder_usual": "Reorder my usual",
    "set_preferred_channel": "Change how you contact me",
    "set_quiet_hours": "Set quiet hours",
    "message_less_often": "Fewer messages",
    "stop_messages": "Stop messages",
    "resume_messages": "Start messages again",
    "greet": "Say hello",
    "goodbye": "Say goodbye",
    "thank": "Say thanks",
    "bot_challenge": "Am I talking to a bot?",
}


class ActionClarify(Action):
    """Answers a message the assistant did not understand (low confidence or off-topic)."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if previous_turn_was_a_miss(tracker):
            dispatcher.utter_message(
                response="utter_offer_human",
                buttons=[
                    {"title": "Yes, connect me", "payload": "/contact_human_agent"},
                    {"title": "No, thanks", "payload": "/deny"},
                ],
            )
            return []
        guesses = likeliest_intents(tracker.latest_message, 2)
        off_topic = intent_of(tracker.latest_message) == "out_of_scope"
        response = "utter_out_of_scope" if off_topic else "utter_clarify"
        dispatcher.utter_message(
            response=response,
            buttons=[{"title": INTENT_LABELS[intent], "payload": f"/{intent}"} for intent in guesses],
        )
        return []


def intent_of(message: dict[str, Any] | None) -> str | None:
    return ((message or {}).get("intent") or {}).get("name")


def likeliest_intents(message: dict[str, Any] | None, count: int) -> list[str]:
    """The `count` best-ranked intents a customer could mean, best first."""
    ranking = (message or {}).get("intent_ranking") or []
    names = [entry.get("name") for entry in ranking]
    return [name for name in names if name in INTENT_LABELS and name not in NOT_OFFERED][:count]


def previous_turn_was_a_miss(tracker: Tracker) -> bool:
    """Whether the customer's message before this one was not understood either."""
    user_turns = [event for event in tracker.events if event.get("event") == "user"]
    if len(user_turns) < 2:
        return False
    return intent_of(user_turns[-2].get("parse_data")) in MISSES
