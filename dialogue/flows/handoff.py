"""A person when the customer wants one: a place in the queue, honest waits, and the bot still answering.

Nothing is paused here. Rasa pauses the conversation only when an agent takes the case, so a
customer in the queue can keep asking, add details, or withdraw the request.
"""

from __future__ import annotations

import re

from crm.models import HandoffReason
from crm.services.contact import SHOP_CONTACT, opening_hours_text
from crm.services.handoff import QueueView, add_details, queue_status, request_handoff, withdraw_handoff
from dialogue.answers import ANSWER_INTENTS, Answer, classify, plain_yes, said_leave
from dialogue.conversation import Conversation, yes_no_buttons
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import ANYTHING_ELSE
from dialogue.turn import Turn

OFFER = "offer_human"
A_PERSON = re.compile(
    r"\b(?:speak|talk|chat)\b.*\b(?:agent|human|person|someone|somebody|representative|rep|advisor|staff)\b"
)
WITHDRAW = "withdraw_handoff"
TOPIC = "handoff"
_WITHDRAW = re.compile(
    r"\b(?:(?:don'?t|dont|do not|no longer|not) need (?:a|the|an) (?:person|human|agent|colleague|someone)|"
    r"cancel (?:the|my|that) (?:request|handoff)|withdraw|take me out of the queue|"
    r"leave the queue|never ?mind the (?:person|human|agent))\b"
)


@handles("contact_human_agent")
def ask_for_person(conversation: Conversation, turn: Turn) -> None:
    queue(conversation, HandoffReason.CUSTOMER_ASKED, turn.text)


@handles("contact_customer_service")
def contact_details(conversation: Conversation, turn: Turn) -> None:
    if A_PERSON.search(turn.words):
        # "I want to speak with a customer service agent": that is asking for a person.
        queue(conversation, HandoffReason.CUSTOMER_ASKED, turn.text)
        return
    conversation.say(
        f"You can reach our customer care team by phone on {SHOP_CONTACT.phone} or by email at "
        f"{SHOP_CONTACT.email}. We're there {opening_hours_text()}. Emails are answered within one "
        "working day."
    )
    if conversation.state.handoff is None:
        offer(
            conversation,
            reason="customer_asked",
            question="Or shall I put you through to a colleague here in the chat?",
            soft=True,
        )


@handles("ask_wait_time")
def wait_time(conversation: Conversation, turn: Turn) -> None:
    view = queue_status(conversation.uow(), conversation.ctx.conversation_id, conversation.now)
    if view is None or view.status.value not in ("waiting_agent", "with_agent"):
        conversation.state.handoff = None
        if conversation.state.pending is not None:
            # "why is it taking so long??" while asked which order: impatience with the request in
            # hand, not a question about a queue; the question in hand is asked again after this.
            conversation.say(
                "Sorry this is taking a while. I can sort it out right away once I know one thing."
            )
            return
        conversation.say("You're not in the queue for a colleague at the moment.")
        offer(
            conversation,
            reason="customer_asked",
            question="Would you like me to put you through to a colleague?",
        )
        return
    conversation.say(queue_text(conversation, view))


def queue(conversation: Conversation, reason: HandoffReason, note: str) -> None:
    """Puts the chat in the queue for a person (or reports the place it already has)."""
    who = conversation.who()
    view = request_handoff(
        conversation.uow(),
        who.customer_id if who else None,
        conversation.ctx.conversation_id,
        conversation.ctx.channel,
        conversation.now,
        reason=reason,
        note=note if not note.startswith("/") else "",
    )
    conversation.state.handoff = view.case_number
    conversation.state.pending = None
    # "actually forget it" said next is about this request (`maybe_withdraw`).
    conversation.state.focus.topic = TOPIC
    if view.reused:
        conversation.say(f"You're already in the queue for a colleague. {queue_text(conversation, view)}")
        return
    conversation.say(
        f"I've asked a colleague to take over this chat (case {view.case_number}). "
        f"{queue_text(conversation, view)} "
        "Until then I'm still here: you can add details for them, ask me anything else, or say "
        '"cancel the request" if you no longer need a person.'
    )


def queue_text(conversation: Conversation, view: QueueView) -> str:
    if view.with_agent:
        return "A colleague has your chat and will answer here."
    place = f"You're number {view.position} in the queue"
    if view.wait.open_now and view.expected_minutes is not None:
        return f"{place}; a colleague should be with you in about {view.expected_minutes} minutes."
    if view.wait.open_now:
        # Open, but every agent set themselves away: no made-up estimate.
        return f"{place}; no colleague is free just now, and the first one who is will answer here."
    opening = view.wait.next_opening
    when = ""
    if opening is not None:
        local = opening.astimezone(conversation.zone())
        when = (
            f" from {local:%a %-d %b, %H:%M} (your time)"
            if conversation.who()
            else f" from {local:%a %-d %b, %H:%M} (UK time)"
        )
    return f"{place}. Our team is offline right now and will answer here{when}."


def offer(
    conversation: Conversation,
    *,
    reason: str,
    question: str = "Would you like to talk to a person?",
    soft: bool = False,
) -> None:
    """Offers a person; a `soft` offer (a suggestion, not the answer) never replaces an open question."""
    if soft and conversation.state.pending is not None:
        return
    conversation.ask(
        OFFER,
        "offer",
        question,
        yes_no_buttons("Yes, a person please", "No, thanks"),
        data={"reason": reason},
    )


@resumes(OFFER)
def resume_offer(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    answer = classify(turn)
    # "ok english then. where is my order": a request of its own, not a yes to a person.
    yes = answer is Answer.YES and (plain_yes(turn) or turn.intent in ANSWER_INTENTS)
    if yes or turn.intent in ("contact_human_agent", "contact_customer_service"):
        queue(conversation, HandoffReason(pending.data.get("reason") or "customer_asked"), "")
        return True
    if answer in (Answer.NO, Answer.NOT_NOW, Answer.LATER):
        conversation.done()
        conversation.say(f"No problem. {ANYTHING_ELSE}")
        return True
    return False


def maybe_withdraw(conversation: Conversation, turn: Turn) -> bool:
    """ "I don't need a person any more": withdraws the waiting request. True when it did.

    "Forget it" / "never mind" right after asking for a person (nothing else asked or answered in
    between) takes that request back too: there is nothing else it could be about.
    """
    state = conversation.state
    if state.handoff is None:
        return False
    just_asked = state.focus.topic == TOPIC and state.pending is None
    if not (
        _WITHDRAW.search(turn.words) or (just_asked and (said_leave(turn) or turn.intent == "never_mind"))
    ):
        return False
    number = withdraw_handoff(conversation.uow(), conversation.ctx.conversation_id, conversation.now)
    conversation.state.handoff = None
    if number is None:
        conversation.say("There's no request for a colleague waiting any more.")
    else:
        conversation.say(
            f"Done: I've withdrawn your request for a colleague (case {number}). I'm still here if you need "
            "me."
        )
    state.focus.topic = None
    return True


def note_while_waiting(conversation: Conversation, turn: Turn) -> bool:
    """A message the bot cannot answer while the customer waits goes to the agent. True when added."""
    if conversation.state.handoff is None or turn.is_button:
        return False
    view = add_details(conversation.uow(), conversation.ctx.conversation_id, turn.text, conversation.now)
    if view is None:
        conversation.state.handoff = None
        return False
    conversation.say(
        f"I've added that to your request for a colleague (case {view.case_number}). "
        f"{queue_text(conversation, view)}"
    )
    return True


def remind_if_waiting(conversation: Conversation, turn: Turn) -> None:
    """After answering something else, a short word on the customer's place in the queue."""
    state = conversation.state
    if (
        state.handoff is None
        or turn.is_miss
        or turn.intent in ("contact_human_agent", "contact_customer_service", "ask_wait_time")
        or state.pending
    ):
        return
    view = queue_status(conversation.uow(), conversation.ctx.conversation_id, conversation.now)
    if view is None or view.position is None:
        state.handoff = None
        return
    conversation.say(f"(You're still in the queue for a colleague: number {view.position}.)")
