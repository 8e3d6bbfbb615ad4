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
from crm.services.cases import GENERAL_TOPIC, topic_of
from dialogue import answers, flows
from dialogue.answers import Answer, is_question, sounds_like_question
from dialogue.conversation import BotMessage, Context, Conversation
from dialogue.flows import chitchat, desk, fallback, handoff, link, proactive, undo
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
_FOLLOW_UP = re.compile(
    r"^(?:and|also|plus|what about|how about|same for|what if|is it|is that|does it|do they|and is|and how)\b"
)
_I_MEANT = re.compile(r"^(?:no+,?\s*|sorry,?\s*|oops,?\s*)*i meant\b|^no+,?\s+(?:order\s+)?#?\d")
_SURE = 0.6
_SHORT = 8  # words: "how long till my bank shows it?" right after an answer follows it up
_WAIT_QUESTION = re.compile(
    r"\b(?:how long|how much longer|when will (?:someone|somebody|a person|an agent)|"
    r"any(?:one|body) there|still waiting)\b"
)
# Requests about one order: an order number alone continues them.
_ABOUT_AN_ORDER = frozenset(
    {
        "track_order",
        "delivery_period",
        "check_invoice",
        "get_invoice",
        "track_refund",
        "get_refund",
        "cancel_order",
    }
)
# What someone may say about one named order.
_ORDER_REQUESTS = _ABOUT_AN_ORDER | {
    "complaint",
    "return_item",
    "not_received",
    "change_order",
    "double_charge",
}
# What is no request of its own to follow up on.
_NOT_FOLLOWED = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "not_now",
        "remind_later",
        "never_mind",
        "undo",
        "help",
        "bot_challenge",
        "choose",
        "identify",
        "contact_human_agent",
    }
)
# "hmm actually no, can I change the address instead": a no to the question, and a request of its own.
_INSTEAD = re.compile(r"\b(?:instead|rather|but|actually)\b")
_ORDER_IT = re.compile(
    r"\b(?:order|get|buy|send|reorder|add)\b.{0,20}\b(?:it|them|one|that|those|some|more)\b"
)
_ACKNOWLEDGED = re.compile(
    r"^(?:ok+|okay|k|kk|cool|great|good to know|fine|alright|noted|got it|perfect|thanks|thank you|thx|ta|"
    r"cheers|no worries|no rush|i'?m fine|im fine|i mean i'?m fine|i mean im fine|all good|that'?s all|"
    r"thats all|no it'?s fine|no its fine|nah it'?s fine|nah its fine|fair enough|understood|makes sense)\b"
)
# Words that make "ok, so what date will it come" a question, not an acknowledgement.
_ASKS = re.compile(
    r"\b(?:what|whats|what's|when|whens|where|wheres|where's|how|hows|why|which|who|has|have|is|are|does|do|"
    r"can|could|will|would)\b"
)
# "ok cancel it then" with nothing asked: that order, to cancel, not "leave whatever is going on".
_CANCEL_IT = re.compile(
    r"\bcancel+(?:l?ed)?\s+(?:it|that|this|the order|that order|this order|the lot|the whole thing)\b"
)
_THANKS = re.compile(r"\b(?:thanks|thank you|thx|ta|cheers|ty)\b")
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
        if not desk.external(conversation, turn):
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
        proactive.opt_out(conversation, turn)  # the answer to a message we sent, if one is open
        return
    if handoff.maybe_withdraw(conversation, turn):
        return
    answer = answers.classify(turn)
    if answer is Answer.UNDO and (pending is None or pending.flow != undo.FLOW):
        undo.start(conversation, turn)
        return
    if pending is None and acknowledgement(conversation, turn):
        return
    if pending is None:
        read = in_context(conversation, turn)
        dispatch(conversation, read)
        follow_up(conversation)
        handoff.remind_if_waiting(conversation, read)
        return
    # A bare "stop" leaves a question; to a message the shop sent first it means "stop those".
    # Where the question wants the customer's own words ("why?", "what should change?"), "I changed
    # my mind about it" is an answer: only the plain leaving phrases leave.
    free_text = bool(pending.data.get("free_text"))
    if (
        answer is Answer.LEAVE
        and pending.flow != proactive.FLOW
        and (not free_text or answers.said_leave(turn))
    ):
        leave(conversation)
        return
    # "later" to a message the shop sent first asks for a reminder, not a goodbye.
    later_to_our_message = pending.flow == proactive.FLOW and answer is Answer.LATER
    if turn.intent == "goodbye" and not turn.is_button and not later_to_our_message:
        state.forget_task()
        conversation.say(
            "OK, I've left it there; nothing was changed. Goodbye, and thanks for shopping with us!"
        )
        return
    resumer = RESUMERS.get(pending.flow)
    if resumer is not None and resumer(conversation, turn, pending):
        if state.pending is None and _asks_instead(turn, answer):
            dispatch(conversation, in_context(conversation, turn))
        follow_up(conversation)
        return
    # Not an answer to the question: answer what was asked, then come back to the question.
    # Read in context first: "and a phone number?" right after the contact details follows them up.
    read = in_context(conversation, turn)
    if read.is_miss and pending.flow != fallback.CLARIFY:
        fallback.unclear_answer(conversation, turn, pending)
        return
    dispatch(conversation, read)
    if state.pending is pending:
        again = pending.data.get("again") or f"Now, back to where we were: {pending.question}"
        conversation.say(str(again), pending.buttons)


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
    answered_order: str | None = None  # the order an earlier request of this message was about
    for intent in _ordered(turn.requests):
        entities = turn.entities
        if answered_order and intent in _ABOUT_AN_ORDER and not turn.order_number:
            # "it hasn't come and I want my money back": the second request is about the same order.
            entities = {**entities, "order_number": [answered_order]}
        if state.pending is not None and state.pending is not asked_before:
            conversation.queue(Request(intent, turn.text, dict(entities)))
            continue
        handler = HANDLERS.get(intent)
        if handler is None:
            fallback.clarify(conversation, turn)
            return
        state.focus.topic = None  # the handler says what this answer was about, if it matters
        handler(conversation, replace(turn, intent=intent, requests=(intent,), entities=entities))
        if intent in _ABOUT_AN_ORDER and state.focus.order:
            answered_order = state.focus.order
        if intent not in _NOT_FOLLOWED:
            state.last_intent = intent


def in_context(conversation: Conversation, turn: Turn) -> Turn:
    """The message read against what was just discussed.

    - "Can you email it to me" right after an invoice asks for the invoice, not for all our
      messages by email from now on.
    - "and for 1002345?", "what about express?", "no I meant order 1002341": the same request
      again, about something else, when the message alone says too little.
    - An order number on its own, from a customer who is logged in, asks about that order.
    """
    state = conversation.state
    if (
        state.focus.topic == "invoice"
        and turn.intent == "set_preferred_channel"
        and _ABOUT_IT.search(turn.words)
    ):
        return replace(turn, intent="get_invoice", requests=("get_invoice",))
    if state.focus.topic == "product" and _ORDER_IT.search(turn.words) and turn.intent != "cancel_order":
        # "ok order them again for me" right after a product's price: that product, to order.
        return replace(turn, intent="reorder_usual", requests=("reorder_usual",))
    if state.handoff and _WAIT_QUESTION.search(turn.words) and not turn.order_number:
        # In the queue, "how long will it take?" asks about the wait, not about a parcel.
        return replace(turn, intent="ask_wait_time", requests=("ask_wait_time",))
    if (
        state.focus.topic == "warranty"
        and state.focus.product
        and state.pending is None
        and (turn.is_miss or turn.intent == "complaint")
        and not sounds_like_question(turn)
    ):
        # "it makes a weird noise" right after "tell me what's wrong": a problem with that device.
        entities = {**turn.entities, "product": [state.focus.product]}
        return replace(turn, intent="complaint", requests=("complaint",), entities=entities)
    listed = state.focus.listed
    if listed and state.last_intent == "list_orders" and not turn.order_number:
        # "what's in the second one" right after the list: that order.
        chosen = answers.pick(turn, listed)
        if chosen is not None:
            confident = turn.intent in _ORDER_REQUESTS and turn.confidence >= _SURE
            intent = turn.intent if confident else "track_order"
            entities = {**turn.entities, "order_number": [chosen]}
            return replace(turn, intent=intent, requests=(intent,), entities=entities)
    if (
        state.pending is None
        and state.focus.order
        and turn.intent in ("never_mind", "cancel_order")
        and _CANCEL_IT.search(turn.words)
    ):
        return replace(turn, intent="cancel_order", requests=("cancel_order",))
    last = state.last_intent
    # "whats the time in tokyo" is confidently off-topic, never a follow-up of the last request.
    off_topic = turn.intent == "out_of_scope" and turn.confidence >= _SURE
    unsure = not off_topic and (turn.is_miss or turn.confidence < _SURE or turn.intent == "identify")
    short_question = sounds_like_question(turn) and len(turn.words.split()) <= _SHORT
    if (
        last
        and unsure
        and (
            _FOLLOW_UP.match(turn.words)
            or short_question
            or (_I_MEANT.match(turn.words) and turn.order_number)
        )
    ):
        return replace(turn, intent=last, requests=(last,))
    who = conversation.who()
    about_that_order = (turn.intent == "identify" or turn.is_miss) and turn.order_number and not turn.email
    if about_that_order and who is not None and who.has_account_access:
        # "order 1002193 - you sent me the wrong item!!": the likeliest request about that order;
        # an order number alone continues the last one, or asks where the order is.
        guess = next(
            (name for name, score in turn.ranking[:1] if name in _ORDER_REQUESTS and score >= 0.2), None
        )
        if topic_of(turn.text) != GENERAL_TOPIC:
            guess = "complaint"  # "you sent me the wrong item", "it arrived broken": a problem with it
        intent = guess or (last if last in _ABOUT_AN_ORDER else "track_order")
        return replace(turn, intent=intent, requests=(intent,))
    return turn


def acknowledgement(conversation: Conversation, turn: Turn) -> bool:
    """ "good to know, thanks", "ok cool ta": the customer is done with the answer. True when answered.

    Only a plain acknowledgement: one that asks the same again ("ok, and when does it arrive?") or
    something new is a request like any other.
    """
    words = turn.words
    if not _ACKNOWLEDGED.match(words) or is_question(turn) or _ASKS.search(words):
        return False
    thanked = bool(_THANKS.search(words))
    if not (thanked or turn.is_miss or turn.intent == conversation.state.last_intent):
        return False
    if chitchat.closing(turn):
        chitchat.say_goodbye(conversation)
        return True
    conversation.say("You're welcome, glad that helped. What else can I do for you?")
    return True


def _asks_instead(turn: Turn, answer: Answer) -> bool:
    """A "no" (or "not now") to the question that goes on to ask for something else."""
    return (
        answer in (Answer.NO, Answer.NOT_NOW)
        and not turn.is_miss
        and turn.intent not in answers.ANSWER_INTENTS
        and turn.intent in HANDLERS
        and bool(_INSTEAD.search(turn.words))
    )


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
