"""Messages the shop sends first, and the customer's answers to them: yes, not now, later, less often,
another channel, stop.

The proactive engine stores the message's context (why it was sent, what it offers) in the store
before asking Rasa to deliver it; the `EXTERNAL_...` turn only carries its key. So nobody can
invent a proactive message by typing one, and the context survives Rasa's session expiry.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from crm.models import CaseKind
from crm.services.cases import open_case
from crm.services.conversations import forget_proactive, proactive_context, snooze_proactive
from crm.services.devices import NoDevice, book_service
from crm.services.replenishment import ReorderRefused, reorder
from dialogue.answers import Answer, classify, is_bare_stop
from dialogue.conversation import Button, Conversation, Who
from dialogue.flows import preferences
from dialogue.flows.devices import wish_in
from dialogue.registry import resumes
from dialogue.state import DialogueState, Pending
from dialogue.texts import day, money
from dialogue.turn import Turn

FLOW = "proactive"
CONTROLS: list[Button] = [
    {"title": "Yes, please", "payload": "/affirm"},
    {"title": "Not now", "payload": "/not_now"},
    {"title": "Remind me next week", "payload": "/remind_later"},
    {"title": "Less often", "payload": "/message_less_often"},
    {"title": "Another channel", "payload": "/set_preferred_channel"},
    {"title": "Stop these messages", "payload": "/stop_messages"},
]
DEFAULT_SNOOZE = timedelta(days=7)
_LESS_OFTEN = re.compile(r"\b(?:less often|fewer|too many|not so often|less frequent)\b")
_OTHER_CHANNEL = re.compile(r"\b(?:telegram|e-?mail|another channel|other channel|somewhere else|text me)\b")


def deliver(conversation: Conversation, turn: Turn) -> None:
    """Shows the proactive message whose context the engine stored for this conversation."""
    ctx = conversation.ctx
    context = proactive_context(conversation.uow(), ctx.conversation_id, ctx.now)
    key = turn.entity("key")
    if context is None or (key is not None and context.get("key") != key):
        return  # nothing (or something else) stored for it: say nothing rather than guess
    customer_id = context.get("customer_id")
    if conversation.state.customer_id != customer_id:
        conversation.state = DialogueState(customer_id=customer_id)
    state = conversation.state
    state.proactive = context
    if context.get("order"):
        state.focus.order = str(context["order"])
    if context.get("product_id"):
        state.focus.product_id, state.focus.product = int(context["product_id"]), context.get("product")
    conversation.ask(
        FLOW,
        "offer",
        str(context.get("message") or "We have news about your order."),
        CONTROLS,
        data={"leaving": "our message"},
    )


def restore(state: DialogueState, context: dict[str, Any]) -> None:
    """After a new session: the pending answer to the proactive message comes back from the store."""
    state.proactive = context
    state.customer_id = context.get("customer_id")
    state.pending = Pending(
        FLOW, "offer", str(context.get("message") or ""), list(CONTROLS), {"leaving": "our message"}
    )


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    context = conversation.state.proactive or {}
    who = conversation.who()
    if who is None or who.customer_id != context.get("customer_id"):
        conversation.done()
        return False
    if is_bare_stop(turn.text) or turn.intent == "stop_messages":
        _finish(conversation)
        preferences.opt_out(conversation, turn)
        return True
    if turn.intent == "message_less_often" or _LESS_OFTEN.search(turn.words):
        _finish(conversation)
        preferences.less_often(conversation, turn)
        return True
    if turn.intent == "set_preferred_channel" or (
        _OTHER_CHANNEL.search(turn.words) and classify(turn) is Answer.NONE
    ):
        _finish(conversation)
        preferences.preferred_channel(conversation, turn)
        return True
    answer = classify(turn)
    if answer is Answer.YES:
        _finish(conversation)
        _accept(conversation, who, context, turn)
        return True
    if answer in (Answer.NO, Answer.NOT_NOW):
        _finish(conversation)
        conversation.say("No problem, I'll leave it for now. Just ask me whenever it suits you.")
        return True
    if answer is Answer.LATER:
        _finish(conversation, forget=False)
        until = conversation.now + DEFAULT_SNOOZE
        snooze_proactive(conversation.uow(), conversation.ctx.conversation_id, until, conversation.now)
        local = until.astimezone(conversation.zone(who)).date()
        conversation.say(f"Sure, I'll remind you around {day(local)}.")
        return True
    return False


def _accept(conversation: Conversation, who: Who, context: dict[str, Any], turn: Turn) -> None:
    kind = context.get("kind")
    if kind == "replenishment" and context.get("product_id"):
        try:
            result = reorder(
                conversation.uow(),
                who.customer_id,
                int(context["product_id"]),
                int(context.get("quantity") or 1),
                conversation.now,
            )
        except ReorderRefused:
            conversation.say("Sorry, I can't reorder that here; you'll find it in our shop.")
            return
        conversation.state.focus.order = result.number
        conversation.changed("reorder", f"the new order {result.number}", order=result.number)
        conversation.say(
            f"Done! I've placed order {result.number}: {result.item}, "
            f"{money(result.total, result.currency)}. It ships as "
            f"soon as it's paid: find it in your account under Orders > {result.number} > Pay now."
        )
        return
    if kind == "service_due" and context.get("serial"):
        wish = wish_in(turn)
        try:
            case = book_service(
                conversation.uow(),
                who.customer_id,
                str(context["serial"]),
                conversation.now,
                preferred_time=wish,
                conversation_id=conversation.ctx.conversation_id,
                channel=conversation.ctx.channel,
            )
        except NoDevice:
            conversation.say(
                "That device doesn't need a scheduled service any more, so there's nothing to book."
            )
            return
        conversation.changed("case", f"the service booking {case.number}", case=case.number)
        timing = f" I've noted that you'd like it {wish}." if wish else ""
        conversation.say(
            "Done: our service team will contact you within 2 working days to agree a date (case "
            f"{case.number}).{timing}"
        )
        return
    if kind == "delivery_late" and context.get("order"):
        case = open_case(
            conversation.uow(),
            who.customer_id,
            CaseKind.COMPLAINT,
            "late delivery",
            f"Order {context['order']} is late; the customer asked us to chase the carrier after our "
            "message.",
            conversation.now,
            order_number=str(context["order"]),
            conversation_id=conversation.ctx.conversation_id,
            channel=conversation.ctx.channel,
        )
        if not case.reused:
            conversation.changed("case", f"the case {case.number}", case=case.number)
        conversation.say(
            f"Done: case {case.number} is open, and our team is chasing the carrier. We'll update you by "
            "email."
        )
        return
    conversation.say("Great! Tell me what you'd like to do and I'll take it from there.")


def _finish(conversation: Conversation, *, forget: bool = True) -> None:
    conversation.done()
    conversation.state.proactive = None
    if forget:
        forget_proactive(conversation.uow(), conversation.ctx.conversation_id, conversation.now)
