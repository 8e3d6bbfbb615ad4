"""Identification in chat: an order number and its email unlock that one order, then the original
request is answered without asking again.

Log-in on the website (a signed token) or a linked Telegram chat identify a customer fully; this
flow is for visitors, and never links the chat to the account or opens account changes.
"""

from __future__ import annotations

import re

from crm.services.identity import IdentificationOutcome, identify_by_order
from dialogue.conversation import Conversation
from dialogue.registry import HANDLERS, handles, resumes
from dialogue.state import Pending, Request
from dialogue.texts import WHO_ARE_YOU
from dialogue.turn import Turn

FLOW = "identify"
_NO_NUMBER = re.compile(
    r"\b(?:don'?t|do not|dont|didn'?t|can'?t|cannot|cant|no)\s+(?:have|know|remember|find|got|get)\b|"
    r"\bno idea\b|\blost\b|\bnot sure\b|\bwhere (?:do i|can i) find\b|\bdeleted\b|\bno (?:order )?number\b"
)


def start(conversation: Conversation, turn: Turn, *, after: Request | None = None) -> None:
    """Asks a visitor who they are; `after` is the request to answer once they have."""
    state = conversation.state
    if after is not None and after.intent != "identify":
        state.after_identify = after
    number, email = turn.order_number, turn.email
    who = conversation.who()
    if who is not None and who.has_account_access:
        conversation.say("You're logged in, so I can already see your orders. How can I help?")
        return
    if number and email:
        _attempt(conversation, number, email)
        return
    if number:
        conversation.ask(FLOW, "email", "And the email address you ordered with?", data={"order": number})
    elif email:
        conversation.ask(FLOW, "order", "And the number of one of your orders?", data={"email": email})
    else:
        conversation.ask(FLOW, "both", WHO_ARE_YOU, data={"leaving": "the identification"})


@handles("identify")
def identify(conversation: Conversation, turn: Turn) -> None:
    start(conversation, turn)


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    number = turn.order_number or pending.data.get("order")
    email = turn.email or pending.data.get("email")
    if turn.order_number or turn.email:
        if number and email:
            _attempt(conversation, str(number), str(email))
        elif number:
            conversation.ask(
                FLOW, "email", "Thanks. And the email address you ordered with?", data={"order": number}
            )
        else:
            conversation.ask(
                FLOW, "order", "Thanks. And the number of one of your orders?", data={"email": email}
            )
        return True
    if _NO_NUMBER.search(turn.words):
        _no_details(conversation)
        return True
    if turn.intent in HANDLERS and not turn.is_miss and turn.intent not in ("affirm", "deny", "identify"):
        return False  # another question: answered, then we come back here
    if pending.asked >= 3:
        _no_details(conversation)
        return True
    conversation.ask(
        FLOW,
        pending.step,
        "I need an order number (7 digits, from your confirmation email) and the email address you "
        "ordered with, for example: 1015024, emma@example.com.",
        data=pending.data,
    )
    return True


def _attempt(conversation: Conversation, number: str, email: str) -> None:
    ctx, state = conversation.ctx, conversation.state
    result = identify_by_order(conversation.uow(), number, email, ctx.client, ctx.now)
    if result.outcome is IdentificationOutcome.MATCHED and result.customer is not None:
        customer = result.customer
        state.unlocked = {
            "order": result.order_number,
            "customer_id": customer.id,
            "first_name": customer.first_name,
            "time_zone": customer.time_zone,
        }
        state.focus.order = result.order_number
        state.pending = None
        conversation.forget_who()
        conversation.say(
            f"Thanks, {customer.first_name}! I found order {result.order_number}. In this chat I can help "
            "with that order; for everything else on your account, log in on our website."
        )
        after, state.after_identify = state.after_identify, None
        if after is not None and after.intent in HANDLERS:
            from dialogue.engine import turn_of  # the engine imports the flows

            request = after
            if "order_number" not in request.entities:
                request = Request(after.intent, after.text, {**after.entities, "order_number": [str(number)]})
            HANDLERS[after.intent](conversation, turn_of(request))
        else:
            conversation.say(f"What would you like to know about order {result.order_number}?")
        return
    if result.outcome is IdentificationOutcome.TOO_MANY_ATTEMPTS:
        state.forget_task()
        conversation.say(
            "For your security I can't check any more details right now. Please try again in an hour, "
            "or log in on our website. I can also pass you to a colleague."
        )
        _offer_person(conversation)
        return
    if result.outcome is IdentificationOutcome.NO_EMAIL_ON_FILE:
        state.forget_task()
        conversation.say(
            "Orders with six-digit numbers come from our previous shop system, which kept no email "
            "addresses, so I can't check them in chat. A colleague can confirm it's you another way."
        )
        _offer_person(conversation)
        return
    conversation.ask(
        FLOW,
        "both",
        "Sorry, those details don't match our records. Please check the order number and the email "
        "address you ordered with and try again.",
        data={"leaving": "the identification"},
    )


def _no_details(conversation: Conversation) -> None:
    conversation.state.forget_task()
    conversation.say(
        'No problem. Your order number is in the confirmation email we sent (subject "Your order ..."). '
        "If you have an account, log in on our website: all your orders are listed there and I can see "
        "them when you chat from there."
    )
    _offer_person(conversation)


def _offer_person(conversation: Conversation) -> None:
    from dialogue.flows import handoff

    handoff.offer(conversation, reason="identification")
