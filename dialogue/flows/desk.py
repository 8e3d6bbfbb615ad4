"""What the bot says for the agents' desk: the 1-5 rating after a person closed the chat, and the
honest word to a customer nobody could take yet (a case number, or a call back).

Both start as messages from the shop's side (`EXTERNAL_rate_chat`, `EXTERNAL_queue_unanswered`,
sent by the console through Rasa's trigger_intent) carrying only the case number; the facts come
from the store, so a typed intent cannot rate someone else's chat.
"""

from __future__ import annotations

import re

from crm.models import CaseStatus
from crm.services.desk import DeskError, desk_case, record_rating, request_callback
from crm.services.handoff import queue_status
from dialogue.answers import Answer, classify
from dialogue.conversation import Button, Conversation
from dialogue.registry import resumes
from dialogue.state import DialogueState, Pending
from dialogue.texts import ANYTHING_ELSE
from dialogue.turn import Turn

RATE = "rate_chat"
UNANSWERED = "queue_unanswered"
RATE_INTENT = "EXTERNAL_rate_chat"
UNANSWERED_INTENT = "EXTERNAL_queue_unanswered"
RATING_BUTTONS: list[Button] = [
    {"title": str(stars), "payload": f'/choose{{"rating":"{stars}"}}'} for stars in range(1, 6)
]
CALLBACK_BUTTONS: list[Button] = [
    {"title": "Please call me back", "payload": "/affirm"},
    {"title": "I'll wait here", "payload": "/deny"},
]
_DIGIT = re.compile(r"^\D{0,12}\b([1-5])\b")


def external(conversation: Conversation, turn: Turn) -> bool:
    """Answers the desk's messages; False for any other message from the shop's side."""
    if turn.intent == RATE_INTENT:
        ask_rating(conversation, turn.entity("key") or "")
        return True
    if turn.intent == UNANSWERED_INTENT:
        unanswered(conversation, turn.entity("key") or "")
        return True
    return False


def ask_rating(conversation: Conversation, number: str) -> None:
    if not _for_this_chat(conversation, number, CaseStatus.CLOSED):
        return
    conversation.state.handoff = None
    conversation.ask(
        RATE,
        "rate",
        "Thanks for chatting with us. How would you rate the help you got, from 1 (poor) to 5 (excellent)?",
        RATING_BUTTONS,
        data={"case": number, "leaving": "the rating"},
    )


@resumes(RATE)
def resume_rating(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    given = turn.entity("rating")
    match = _DIGIT.search(turn.text) if given is None else None
    value = given or (match.group(1) if match else None)
    if value is None or not value.isdigit() or not 1 <= int(value) <= 5:
        if classify(turn) in (Answer.NO, Answer.NOT_NOW):
            conversation.done()
            conversation.say(f"No problem. {ANYTHING_ELSE}")
            return True
        return False
    record_rating(conversation.uow(), str(pending.data.get("case") or ""), int(value), conversation.now)
    conversation.done()
    thanks = "Thank you!" if int(value) >= 4 else "Thank you for telling us; we'll look at how to do better."
    conversation.say(f"{thanks} {ANYTHING_ELSE}")
    return True


def unanswered(conversation: Conversation, number: str) -> None:
    view = queue_status(conversation.uow(), conversation.ctx.conversation_id, conversation.now)
    if view is None or view.status is not CaseStatus.WAITING_AGENT or view.case_number != number:
        return  # taken or withdrawn meanwhile: nothing to apologise for
    if not _for_this_chat(conversation, number, CaseStatus.WAITING_AGENT):
        return
    conversation.state.handoff = view.case_number
    if view.wait.open_now:
        why = "I'm sorry: all our colleagues are still busy and nobody has been able to take your chat yet."
    else:
        why = "I'm sorry: our team is offline right now, so nobody can take your chat until we open again."
    conversation.ask(
        UNANSWERED,
        "callback",
        f"{why} Your case number is {view.case_number}: quote it by phone or email and we'll know the story. "
        "Shall a colleague call you back instead of you waiting here?",
        CALLBACK_BUTTONS,
        data={"case": view.case_number, "leaving": "the call back"},
    )


def _for_this_chat(conversation: Conversation, number: str, status: CaseStatus) -> bool:
    """True when case `number` belongs to this conversation and is in `status`. The conversation then
    continues with the case's customer (as after any message from the shop's side)."""
    try:
        case = desk_case(conversation.uow(), number)
    except DeskError:
        return False
    if case.conversation_id != conversation.ctx.conversation_id or case.status is not status:
        return False
    if conversation.state.customer_id != case.customer_id:
        conversation.state = DialogueState(customer_id=case.customer_id)
    return True


@resumes(UNANSWERED)
def resume_callback(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    answer = classify(turn)
    number = str(pending.data.get("case") or "")
    if answer is Answer.YES:
        phone = request_callback(conversation.uow(), number, conversation.now)
        conversation.done()
        if phone:
            conversation.say(
                "Done: a colleague will call you on the number we have for you "
                f"(ending {phone[-3:]}) as soon as one is free. Your case number is {number}."
            )
        else:
            conversation.say(
                f"Done: I've asked for a call back on case {number}. Please add your phone number "
                "here so the colleague can reach you."
            )
        return True
    if answer in (Answer.NO, Answer.NOT_NOW, Answer.LATER):
        conversation.done()
        conversation.say(f"OK, you keep your place in the queue (case {number}). {ANYTHING_ELSE}")
        return True
    return False
