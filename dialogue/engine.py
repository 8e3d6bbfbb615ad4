"""One turn of the conversation: read the message in context, answer, ask, or change what was asked for.

The order of decisions, which is the whole point of this module:
1. a message from the shop's side (a proactive message) is delivered;
2. another language gets a polite English answer and the offer of a person;
3. "undo" reverses the last change; "forget it" / a bare "stop" leaves any open question;
4. an open question gets first go at the message; what does not answer it is a digression,
   answered before the question is asked again;
5. every request in the message is answered, simple answers first, one question at a time;
   further questions wait in a queue and follow when the first is done.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import replace

from sqlalchemy.exc import SQLAlchemyError

from crm.db import StoreError
from dialogue import answers, flows
from dialogue.answers import Answer
from dialogue.conversation import BotMessage, Context, Conversation
from dialogue.flows import fallback, handoff, link, preferences, proactive, undo
from dialogue.registry import HANDLERS, RESUMERS
from dialogue.state import DialogueState, Request
from dialogue.texts import STORE_UNAVAILABLE
from dialogue.turn import Turn

log = logging.getLogger(__name__)

# Requests answered from what is known, without a question: these go before the ones that ask.
_ANSWERS_FIRST = frozenset(
    {
        "track_order", "delivery_period", "delivery_options", "list_orders", "track_refund",
        "check_refund_policy", "check_invoice", "get_invoice", "check_payment_methods",
        "check_cancellation_fee", "ask_product", "recommend_product", "ask_service_due", "ask_warranty",
        "contact_customer_service", "help", "greet", "thank", "bot_challenge", "place_order",
    }
)  # fmt: skip
# Pairs that are one request however the message splits them.
_SAME_REQUEST = {
    "get_invoice": "check_invoice",
    "track_refund": "get_refund",
    "delivery_period": "track_order",
    "contact_customer_service": "contact_human_agent",
}
# While a person is awaited, a description of the problem is for that person, not a new case.
_DETAILS_WHILE_WAITING = frozenset({"complaint", "identify", "review"})
_ABOUT_IT = re.compile(r"\b(?:it|that|this|invoice|copy|receipt|pdf|one)\b")
_NO_SECOND_REQUEST = frozenset({"greet", "thank", "goodbye", "affirm", "deny"})

assert flows.LOADED  # every flow module registered its handlers


def respond(state: DialogueState, turn: Turn, ctx: Context) -> Conversation:
    """Answers `turn`; the returned conversation holds the replies and the state to keep."""
    conversation = Conversation(ctx, copy.deepcopy(state))
    # A proactive message carries its customer in its stored context; a channel event is no message.
    if not turn.external and turn.channel_event is None:
        _same_person(conversation)
    try:
        _turn(conversation, turn)
    except (StoreError, SQLAlchemyError):
        log.exception("store error answering conversation %s", ctx.conversation_id)
        # Nothing half-done is remembered: the customer can simply ask again.
        conversation = Conversation(ctx, copy.deepcopy(state))
        conversation.replies = [BotMessage(STORE_UNAVAILABLE)]
    return conversation


def _same_person(conversation: Conversation) -> None:
    """A conversation whose verified customer changed (log-out, another login) starts afresh."""
    state, customer = conversation.state, conversation.ctx.customer
    current = customer.id if customer else None
    if state.customer_id != current:
        fresh = DialogueState(customer_id=current)
        if current is None and state.customer_id is None:
            fresh.unlocked = state.unlocked
        conversation.state = fresh


def _turn(conversation: Conversation, turn: Turn) -> None:
    state = conversation.state
    if turn.external:
        proactive.deliver(conversation, turn)
        return
    if turn.channel_event is not None:
        link.channel_event(conversation, turn)
        return
    link.writing_again(conversation)
    if turn.language not in (None, "en") and (turn.is_miss or turn.confidence < 0.9):
        fallback.other_language(conversation, turn)
        return
    pending = state.pending
    if turn.text.strip().lower() == "/stop":
        state.forget_task()
        preferences.opt_out(conversation, turn)
        return
    if handoff.maybe_withdraw(conversation, turn):
        return
    answer = answers.classify(turn)
    if answer is Answer.UNDO and (pending is None or pending.flow != undo.FLOW):
        undo.start(conversation, turn)
        return
    if pending is None:
        dispatch(conversation, in_context(conversation, turn))
        follow_up(conversation)
        handoff.remind_if_waiting(conversation, turn)
        return
    # A bare "stop" leaves a question; to a message the shop sent first it means "stop those".
    # Where the question wants the customer's own words ("why?", "what should change?"), "I changed
    # my mind about it" is an answer: only the plain leaving phrases leave.
    if answer is Answer.LEAVE and pending.flow != proactive.FLOW:
        if not pending.data.get("free_text") or answers.said_leave(turn):
            leave(conversation)
            return
    if turn.intent == "goodbye" and not turn.is_button:
        state.forget_task()
        conversation.say(
            "OK, I've left it there; nothing was changed. Goodbye, and thanks for shopping with us!"
        )
        return
    resumer = RESUMERS.get(pending.flow)
    if resumer is not None and resumer(conversation, turn, pending):
        follow_up(conversation)
        return
    # Not an answer to the question: answer what was asked, then come back to the question.
    if turn.is_miss:
        fallback.unclear_answer(conversation, turn, pending)
        return
    dispatch(conversation, in_context(conversation, turn))
    if state.pending is pending:
        conversation.say(f"Now, back to where we were: {pending.question}", pending.buttons)


def leave(conversation: Conversation) -> None:
    state = conversation.state
    what = state.pending.data.get("leaving", "that") if state.pending else "that"
    state.forget_task()
    conversation.say(f"OK, I've left {what}. Nothing was changed. Anything else I can help with?")


def dispatch(conversation: Conversation, turn: Turn) -> None:
    """Answers every request in the message; the first that asks a question queues the rest."""
    state = conversation.state
    if turn.is_miss:
        fallback.clarify(conversation, turn)
        return
    if (
        state.handoff
        and turn.intent in _DETAILS_WHILE_WAITING
        and handoff.note_while_waiting(conversation, turn)
    ):
        return
    state.misses = 0
    asked_before = state.pending  # a question from an earlier turn: this message digresses from it
    for intent in _ordered(turn.requests):
        if state.pending is not None and state.pending is not asked_before:
            conversation.queue(Request(intent, turn.text, dict(turn.entities)))
            continue
        handler = HANDLERS.get(intent)
        if handler is None:
            fallback.clarify(conversation, turn)
            return
        handler(conversation, replace(turn, intent=intent, requests=(intent,)))


def in_context(conversation: Conversation, turn: Turn) -> Turn:
    """The message read against what was just discussed.

    "Can you email it to me" right after an invoice asks for the invoice, not for all our
    messages by email from now on.
    """
    topic = conversation.state.focus.topic
    if topic == "invoice" and turn.intent == "set_preferred_channel" and _ABOUT_IT.search(turn.words):
        return replace(turn, intent="get_invoice", requests=("get_invoice",))
    return turn


def follow_up(conversation: Conversation) -> None:
    """Once nothing is asked any more, the next queued request gets its answer."""
    state = conversation.state
    while state.pending is None and state.queued:
        request = state.queued.pop(0)
        handler = HANDLERS.get(request.intent)
        if handler is not None:
            handler(conversation, turn_of(request))


def turn_of(request: Request) -> Turn:
    return Turn(
        text=request.text,
        intent=request.intent,
        requests=(request.intent,),
        entities={name: list(values) for name, values in request.entities.items()},
    )


def _ordered(requests: tuple[str, ...]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for intent in requests:
        key = _SAME_REQUEST.get(intent, intent)
        if key in seen:
            continue
        seen.add(key)
        unique.append(intent)
    if len(unique) > 1:
        unique = [i for i in unique if i not in _NO_SECOND_REQUEST] or unique[:1]
    return sorted(unique, key=lambda intent: intent not in _ANSWERS_FIRST)
