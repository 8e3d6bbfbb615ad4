"""Complaints: a case about the order and product the customer named, opened once they confirm it."""

from __future__ import annotations

import re
from typing import Any

from crm.models import CaseKind, OrderStatus
from crm.services.cases import LATE_TOPIC, SERVICE_TOPIC, open_case, topic_of
from crm.services.catalog import match_products
from crm.services.delivery import DeliveryState, delivery_estimate
from crm.services.errors import OrderNotFound
from crm.services.orders import OrderStatusView
from dialogue.answers import Answer, classify, pick, plain_yes, sounds_like_question
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows.common import (
    LATEST_ORDER,
    allowed,
    candidate_orders,
    order_buttons,
    orders_with,
    product_in,
    who_or_identify,
)
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import NOTHING_CHANGED
from dialogue.turn import Turn

FLOW = "complaint"
NO_ORDER = "none"
_NOT_AN_ORDER = re.compile(
    r"\b(?:not (?:about )?an order|no order|not an order|"
    r"about (?:your|the) (?:support|service|staff|website|app|shop))\b"
)
# "no it's fine, just letting you know": feedback, not a request for a case.
_JUST_TELLING = re.compile(
    r"\b(?:just (?:letting|telling) (?:you|u) know|just fyi|no need for a case|it'?s fine)\b"
)


@handles("complaint")
def complaint(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    views = candidate_orders(conversation, who)
    data = {"text": turn.text, "topic": topic_of(turn.text), "leaving": "the complaint"}
    _locate(conversation, turn, who, views, data)


def _locate(
    conversation: Conversation,
    turn: Turn,
    who: Who,
    views: tuple[OrderStatusView, ...],
    data: dict[str, Any],
) -> None:
    """Finds the order (and product) the complaint is about, or asks which order."""
    number = turn.order_number or (who.only_order if who.only_order else None)
    if number and not allowed(conversation, who, number):
        return
    # "your customer service is rubbish": about us, not about a product called "... service".
    about_us = data.get("topic") == SERVICE_TOPIC
    product = None if about_us else product_in(conversation, turn, views, devices=True)
    if number is None and about_us:
        _confirm(conversation, {**data, "order": None, "product_id": None, "product": None})
        return
    if number is None and product is not None:
        holding = orders_with(views, product.id)
        if not holding:  # a device bought long ago: the complaint is about the device itself
            _confirm(conversation, {**data, "order": None, "product_id": product.id, "product": product.name})
            return
        number = holding[0].number
    if number is None and views and LATEST_ORDER.search(turn.words):
        number = views[0].number
    if number is None and views and data.get("topic") == LATE_TOPIC:
        number = _the_late_one(conversation, who, views)  # "my parcel is late again"
    if number is None and conversation.state.focus.order and not turn.text.startswith("/"):
        number = conversation.state.focus.order
    if number is None:
        if not views:
            _confirm(conversation, {**data, "order": None, "product_id": None, "product": None})
            return
        buttons = [*order_buttons(views), {"title": "Not about an order", "payload": "/choose"}]
        conversation.ask(
            FLOW,
            "which_order",
            f"I'm sorry to hear that. {_not_ordered(conversation, turn, views)}Which order is it about?",
            buttons,
            data={**data, "options": [v.number for v in views]},
        )
        return
    chosen = next((v for v in views if v.number == number), None)
    if (
        product is not None
        and chosen is not None
        and not any(line.product_id == product.id for line in chosen.lines)
    ):
        product = None  # named something that is not in this order: the order decides
    _confirm(
        conversation,
        {
            **data,
            "order": number,
            "product_id": product.id if product else None,
            "product": product.name if product else None,
        },
    )


def _confirm(conversation: Conversation, data: dict[str, Any]) -> None:
    about = ""
    if data.get("product"):
        # A device bought long ago has no order in this chat: the product alone.
        about = f" about the {data['product']}" + (f" in order {data['order']}" if data.get("order") else "")
    elif data.get("order"):
        about = f" about order {data['order']}"
    conversation.ask(
        FLOW,
        "confirm",
        f"I'm sorry about this. Shall I open a complaint{about} ({data['topic']}) with your message, so our "
        "team can put it right?",
        yes_no_buttons("Yes, open it", "No"),
        data=data,
    )


def _not_ordered(conversation: Conversation, turn: Turn, views: tuple[OrderStatusView, ...]) -> str:
    """ "I don't see X in your recent orders. " when the message names products none of them holds."""
    named = match_products(conversation.uow(), turn.text, limit=3)
    ours = {line.product_id for view in views for line in view.lines}
    if not named or any(product.id in ours for product in named):
        return ""
    return f"I don't see {named[0].name} in your recent orders. "


def _the_late_one(conversation: Conversation, who: Who, views: tuple[OrderStatusView, ...]) -> str | None:
    """The one order among `views` that is late, if exactly one is."""
    today = conversation.today(who)
    late = [
        view.number
        for view in views
        if view.status in (OrderStatus.PAID, OrderStatus.SHIPPED)
        and delivery_estimate(conversation.uow(), who.customer_id, view.number, today).state
        is DeliveryState.LATE
    ]
    return late[0] if len(late) == 1 else None


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None:
        conversation.done()
        return False
    data = dict(pending.data)
    if pending.step == "describe":
        # What is wrong, in the customer's words, about the order we were talking about.
        if turn.is_button or classify(turn) in (Answer.NO, Answer.NOT_NOW):
            conversation.done()
            conversation.say(f"{NOTHING_CHANGED} Just tell me if something goes wrong with it.")
            return True
        _confirm(
            conversation,
            {**data, "text": turn.text, "topic": topic_of(turn.text), "product_id": None, "product": None,
             "free_text": False},
        )  # fmt: skip
        return True
    if pending.step == "which_order":
        options = [str(o) for o in data.get("options") or []]
        if _JUST_TELLING.search(turn.words):
            conversation.done()
            conversation.say(
                "Thanks for letting us know. I haven't opened a case; tell me if you'd like one."
            )
            return True
        chosen = pick(turn, options)
        if chosen is None and (turn.intent == "choose" or _NOT_AN_ORDER.search(turn.words)):
            chosen = NO_ORDER
        if chosen is None and classify(turn) is Answer.NO:
            chosen = NO_ORDER
        if chosen is None:
            views = candidate_orders(conversation, who)
            product = product_in(conversation, turn, views, devices=True)
            holding = orders_with(views, product.id) if product else []
            if not holding:
                # A short answer naming a product ("the capsules order"), not a question of its own,
                # from a customer whose orders hold no such thing: said, and asked again.
                answering = len(turn.words.split()) <= 6 and not sounds_like_question(turn)
                missing = _not_ordered(conversation, turn, views) if answering else ""
                if not missing:
                    return False
                conversation.ask(
                    FLOW, "which_order", f"{missing}Which order is it about?", pending.buttons, data=data
                )
                return True
            chosen = holding[0].number
        if chosen == NO_ORDER:
            _confirm(conversation, {**data, "order": None, "product_id": None, "product": None})
        else:
            _locate(conversation, _with_order(turn, chosen), who, candidate_orders(conversation, who), data)
        return True
    # confirm
    if _NOT_AN_ORDER.search(turn.words):
        # "its not about an order, its about your support": the same complaint, on no order.
        _confirm(conversation, {**data, "order": None, "product_id": None, "product": None})
        return True
    if turn.order_number and turn.order_number != data.get("order"):
        # "no, it was order 1015214": the correction replaces the order.
        _locate(conversation, turn, who, candidate_orders(conversation, who), data)
        return True
    if plain_yes(turn) or (classify(turn) is Answer.YES and turn.intent in ("affirm", "complaint")):
        _open(conversation, who, data)
        return True
    if classify(turn) in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say(f"{NOTHING_CHANGED} If you change your mind, just tell me what went wrong.")
        return True
    return False


def _open(conversation: Conversation, who: Who, data: dict[str, Any]) -> None:
    conversation.done()
    try:
        case = open_case(
            conversation.uow(),
            who.customer_id,
            CaseKind.COMPLAINT,
            str(data.get("topic") or "general complaint"),
            str(data.get("text") or ""),
            conversation.now,
            order_number=str(data["order"]) if data.get("order") else None,
            product_id=int(data["product_id"]) if data.get("product_id") else None,
            conversation_id=conversation.ctx.conversation_id,
            channel=conversation.ctx.channel,
        )
    except OrderNotFound:
        conversation.say(
            f"I couldn't find order {data.get('order')} on your account, so I haven't opened a case."
        )
        return
    conversation.state.focus.case = case.number
    if case.order_number:
        conversation.state.focus.order = case.order_number
    if case.reused:
        conversation.say(
            f"There is already an open case {case.number} about this, so I've added your message to it "
            "rather "
            "than opening a second one. The team handling it will see it."
        )
        return
    conversation.changed("case", f"the complaint case {case.number}", case=case.number)
    about = (
        f" about {case.product_name}" + (f" in order {case.order_number}" if case.order_number else "")
        if case.product_name
        else (f" about order {case.order_number}" if case.order_number else "")
    )
    conversation.say(
        f"I've opened case {case.number}{about} ({case.topic}). Our support team will get back to you within "
        "one working day."
    )


def _with_order(turn: Turn, number: str) -> Turn:
    from dataclasses import replace

    return replace(turn, entities={**turn.entities, "order_number": [number]})
