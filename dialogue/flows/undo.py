""" "Undo" / "that's not what I meant": reverses the bot's last change, where that is still possible."""

from __future__ import annotations

from datetime import time

from crm.models import Channel
from crm.services.cases import withdraw_case
from crm.services.errors import OrderNotFound
from crm.services.orders import OrderActionRefused, cancel_order, reinstate_order, withdraw_order_change
from crm.services.preferences import PreferencesView, restore_preferences, set_marketing_consent
from crm.services.reviews import withdraw_review
from dialogue.answers import Answer, classify
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.registry import resumes
from dialogue.state import Change, Pending
from dialogue.texts import NOTHING_CHANGED
from dialogue.turn import Turn

FLOW = "undo"


def start(conversation: Conversation, turn: Turn) -> None:
    change, who = conversation.state.last_change, conversation.who()
    if conversation.state.pending is not None:
        # "That's not what I meant" while I was asking something: my question was the mistake.
        conversation.state.forget_task()
        conversation.say(
            "Sorry, my mistake: I've dropped that, and nothing was changed. What would you like to do?"
        )
        return
    if change is None or who is None:
        conversation.state.forget_task()
        conversation.say("There's nothing I changed in this chat that I could undo. What did you mean to do?")
        return
    conversation.ask(
        FLOW, "confirm", f"Shall I undo {change.description}?", yes_no_buttons("Yes, undo it", "No, keep it")
    )


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    answer = classify(turn)
    if answer in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say(NOTHING_CHANGED)
        return True
    if answer not in (Answer.YES, Answer.UNDO):
        return False
    conversation.done()
    change, who = conversation.state.last_change, conversation.who()
    if change is None or who is None:
        return True
    if _reverse(conversation, who, change):
        conversation.state.last_change = None
        conversation.say(f"Done: I've undone {change.description}.")
    else:
        conversation.say(
            f"Sorry, {change.description} can't be undone any more. A colleague can help if it matters."
        )
    return True


def _reverse(conversation: Conversation, who: Who, change: Change) -> bool:
    uow, now, data = conversation.uow, conversation.now, change.data
    if change.kind == "cancel_order":
        return reinstate_order(uow(), who.customer_id, str(data["order"]), now) is not None
    if change.kind == "order_change":
        return withdraw_order_change(uow(), who.customer_id, str(data["order"]), now)
    if change.kind == "reorder":
        try:
            cancel_order(uow(), who.customer_id, str(data["order"]), now)
        except (OrderActionRefused, OrderNotFound):
            return False
        return True
    if change.kind == "case":
        return (
            withdraw_case(
                uow(), who.customer_id, str(data["case"]), now, "Withdrawn by the customer (undo in chat)."
            )
            is not None
        )
    if change.kind == "review":
        return withdraw_review(uow(), who.customer_id, int(data["review_id"]))
    if change.kind == "consent":
        set_marketing_consent(uow(), who.customer_id, not bool(data["granted"]), now)
        return True
    if change.kind == "preferences":
        before = data["before"]
        restore_preferences(
            uow(),
            who.customer_id,
            PreferencesView(
                preferred_channel=Channel(before["channel"]),
                quiet_hours_start=time.fromisoformat(before["quiet_start"])
                if before["quiet_start"]
                else None,
                quiet_hours_end=time.fromisoformat(before["quiet_end"]) if before["quiet_end"] else None,
                max_proactive_per_week=int(before["per_week"]),
                channel_reachable=True,
            ),
        )
        return True
    return False
