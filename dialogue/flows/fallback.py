"""When the assistant did not understand: clarify with the likeliest topics, a person after two misses.

The offer of a person comes once per conversation, not again on every unclear message.
"""

from __future__ import annotations

import re

from dialogue.answers import Answer, classify, pick
from dialogue.conversation import Conversation
from dialogue.flows import handoff
from dialogue.registry import HANDLERS, resumes
from dialogue.state import Pending, Request
from dialogue.turn import OUT_OF_SCOPE, Turn

CLARIFY = "clarify"
# Intents that only make sense as answers, or are no topic: never offered back as a guess.
_NOT_OFFERED = frozenset(
    {
        "nlu_fallback",
        "out_of_scope",
        "affirm",
        "deny",
        "not_now",
        "remind_later",
        "identify",
        "never_mind",
        "undo",
        "greet",
        "goodbye",
        "thank",
        "choose",
    }
)
# What a customer sees on a button for each intent (their words, not ours).
LABELS: dict[str, str] = {
    "track_order": "Track my order",
    "delivery_period": "When will it arrive?",
    "delivery_options": "Delivery options",
    "list_orders": "Show my orders",
    "cancel_order": "Cancel an order",
    "change_order": "Change an order",
    "change_shipping_address": "Change my delivery address",
    "set_up_shipping_address": "Add a delivery address",
    "place_order": "Place an order",
    "reorder_usual": "Reorder my usual",
    "check_cancellation_fee": "Cancellation fees",
    "not_received": "Parcel shown delivered, not received",
    "get_refund": "Get a refund",
    "track_refund": "Where is my refund?",
    "check_refund_policy": "Refund policy",
    "return_item": "Return something",
    "check_invoice": "See my invoice",
    "get_invoice": "Get an invoice",
    "invoice_correction": "Correct an invoice",
    "check_payment_methods": "Payment methods",
    "payment_issue": "A problem paying",
    "double_charge": "I was charged twice",
    "complaint": "Make a complaint",
    "review": "Leave a review",
    "contact_human_agent": "Talk to a person",
    "contact_customer_service": "Contact details and hours",
    "ask_wait_time": "How long is the wait?",
    "create_account": "Create an account",
    "delete_account": "Delete my account",
    "edit_account": "Edit my details",
    "recover_password": "Reset my password",
    "registration_problems": "Problems signing up",
    "switch_account": "Use another account",
    "newsletter_subscription": "Newsletter",
    "ask_product": "A product question",
    "recommend_product": "Recommend a product",
    "ask_service_due": "When is my service due?",
    "book_service": "Book a service",
    "ask_warranty": "Warranty",
    "set_preferred_channel": "Change how you contact me",
    "set_quiet_hours": "Set quiet hours",
    "message_less_often": "Fewer messages",
    "stop_messages": "Stop messages",
    "resume_messages": "Start messages again",
    "help": "What can you do?",
    "bot_challenge": "Am I talking to a bot?",
}
TOPICS = (
    "orders and deliveries, returns and refunds, invoices and payments, your account, "
    "products and your devices' service"
)
_NO_WORDS = re.compile(r"[a-z]{2,}", re.IGNORECASE)


def clarify(conversation: Conversation, turn: Turn) -> None:
    """A message that matched no topic, or an off-topic one."""
    state = conversation.state
    if handoff.note_while_waiting(conversation, turn):
        return
    if not _NO_WORDS.search(turn.text):
        # "?", "..." or an emoji: nothing to misunderstand yet.
        conversation.say(f"How can I help? I can help with {TOPICS}. Just tell me in your own words.")
        return
    state.misses += 1
    if state.misses >= 2 and not state.human_offered:
        state.human_offered = True
        conversation.say("Sorry, I still don't understand.")
        handoff.offer(conversation, reason="misunderstood")
        return
    if turn.intent == OUT_OF_SCOPE:
        conversation.say(
            f"Sorry, that's not something I can help with: I'm the shop's assistant for {TOPICS}."
        )
        return
    guesses = likeliest(turn, 2)
    if guesses:
        # Asked as a question: "yes" means the first guess, "the second" the other, both about
        # what the customer wrote (its order number, its product).
        conversation.offer(
            CLARIFY,
            "guess",
            "Sorry, I'm not sure I understood. Did you mean one of these?",
            [{"title": LABELS[intent], "payload": f"/{intent}"} for intent in guesses],
            data={"guesses": guesses, "text": turn.text, "entities": turn.entities, "leaving": "that"},
        )
        if conversation.state.pending is None or conversation.state.pending.flow != CLARIFY:
            conversation.say(
                "Sorry, I'm not sure I understood. Did you mean one of these?",
                [{"title": LABELS[intent], "payload": f"/{intent}"} for intent in guesses],
            )
    else:
        # Nothing to guess from (the language service may be down): words, never an empty menu.
        conversation.say(
            f"Sorry, I don't understand that yet. I can help with {TOPICS}. Could you say it another way?"
        )


@resumes(CLARIFY)
def resume_guess(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    guesses = [str(g) for g in pending.data.get("guesses") or []]
    chosen = pick(turn, guesses)
    answer = classify(turn)
    if chosen is None and answer is Answer.YES and guesses:
        chosen = guesses[0]
    if chosen is None:
        if answer in (Answer.NO, Answer.NOT_NOW):
            conversation.done()
            conversation.say("OK. Could you tell me in other words what you need?")
            return True
        conversation.done()
        return False  # something else: answered as a new message
    conversation.done()
    from dialogue.engine import turn_of  # the engine imports the flows

    entities = {name: list(values) for name, values in (pending.data.get("entities") or {}).items()}
    HANDLERS[chosen](conversation, turn_of(Request(chosen, str(pending.data.get("text") or ""), entities)))
    return True


def unclear_answer(conversation: Conversation, turn: Turn, pending: Pending) -> None:
    """An answer to our question that we could not read: ask again, twice at most."""
    state = conversation.state
    state.misses += 1
    if pending.asked >= 2:
        state.forget_task()
        conversation.say("Sorry, I'm not getting it. Let's leave that for now; nothing was changed.")
        if not state.human_offered:
            state.human_offered = True
            handoff.offer(conversation, reason="misunderstood")
        return
    conversation.ask(
        pending.flow,
        pending.step,
        f"Sorry, I'm not sure what you mean. {pending.question}",
        pending.buttons,
        pending.data,
    )
    if conversation.state.pending is not None:  # re-asked later, it is the plain question again
        conversation.state.pending.question = pending.question


def other_language(conversation: Conversation, turn: Turn) -> None:
    conversation.say(
        "Sorry, I can only chat in English for now. A colleague may be able to help you in your language."
    )
    handoff.offer(conversation, reason="other_language", question="Shall I pass you to a colleague?")


def likeliest(turn: Turn, count: int) -> list[str]:
    return [name for name, _ in turn.ranking if name in LABELS and name not in _NOT_OFFERED][:count]
