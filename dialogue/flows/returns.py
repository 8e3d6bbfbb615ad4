"""Returns of a named item, and parcels shown as delivered that never arrived: each a case, once confirmed."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from crm.models import CaseKind, OrderStatus
from crm.services.cases import open_case
from crm.services.delivery import delivery_estimate
from crm.services.errors import OrderNotFound
from crm.services.orders import OrderStatusView, order_status
from crm.services.refunds import REFUND_WORKING_DAYS, RETURN_WINDOW_DAYS
from dialogue.answers import Answer, classify, pick, plain_yes
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows.common import (
    LATEST_ORDER,
    allowed,
    candidate_orders,
    order_buttons,
    order_or_latest,
    orders_with,
    product_in,
    refers_back,
    who_or_identify,
)
from dialogue.registry import HANDLERS, handles, resumes
from dialogue.state import Pending
from dialogue.texts import NOTHING_CHANGED, long_day, money
from dialogue.turn import Turn

RETURN = "return"
_POLICY = re.compile(
    r"\b(?:policy|policies|how long do i have|how many days|can i return|do you (?:accept|take) returns|"
    r"return window|are returns free|who pays)\b"
)
NOT_RECEIVED = "not_received"
EVERYTHING = "all"
_REASONS = {
    "changed my mind": (
        "changed my mind", "don't need", "dont need", "don't want", "dont want", "no longer", "not needed",
        "too loud", "don't like", "dont like", "doesn't match", "doesnt match",
    ),
    "faulty or damaged": (
        "broken", "faulty", "damaged", "doesn't work", "doesnt work", "not working", "defect", "crushed",
        "leak", "stopped working",
    ),
    "not as described": (
        "not as described", "not what i expected", "not what i was expecting", "too small", "too big",
        "wrong size", "doesn't fit", "doesnt fit",
        "not compatible",
    ),
    "wrong item": ("wrong", "not what i ordered", "different"),
}  # fmt: skip


def reason_in(text: str) -> str | None:
    lowered = text.lower()
    for reason, words in _REASONS.items():
        if any(word in lowered for word in words):
            return reason
    return None


@handles("return_item")
def return_item(conversation: Conversation, turn: Turn) -> None:
    if _POLICY.search(turn.words) and not turn.order_number:
        # "what's your return policy", "how long do I have to send it back": the rules first.
        conversation.say(
            f"You can return anything within {RETURN_WINDOW_DAYS} days of delivery, and return shipping is "
            "free: we email a prepaid label. The refund goes back to the payment method you used within "
            f"{REFUND_WORKING_DAYS} working days of the parcel reaching us. Tell me the order if you'd like "
            "to start a return."
        )
        return
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    views = candidate_orders(conversation, who, limit=8)
    view = _order_meant(conversation, turn, who, views)
    if view is None:
        delivered = [v for v in views if v.status is OrderStatus.DELIVERED] or list(views)
        if not delivered:
            conversation.say("I don't see any orders on your account yet, so there is nothing to return.")
            return
        if len(delivered) == 1:
            view = delivered[0]
        else:
            conversation.ask(
                RETURN,
                "which_order",
                "Which order would you like to return something from? Returns are free within "
                f"{RETURN_WINDOW_DAYS} days of delivery.",
                order_buttons(delivered),
                data={"options": [v.number for v in delivered], "text": turn.text, "leaving": "the return"},
            )
            return
    start_return(conversation, turn, who, view)


def offer_return(conversation: Conversation, who: Who, number: str, text: str = "") -> None:
    """After refusing to cancel or change a delivered order: a return instead, started only on a yes."""
    try:
        view = order_status(conversation.uow(), who.customer_id, number)
    except OrderNotFound:
        return
    if view.status is not OrderStatus.DELIVERED:
        return
    _, window_ends = _return_window(conversation, who, view)
    if conversation.today(who) > window_ends:
        conversation.say(
            f"(Its {RETURN_WINDOW_DAYS}-day return window ended on {long_day(window_ends)}; if something is "
            "faulty, it's still covered by the warranty.)"
        )
        return
    conversation.ask(
        RETURN,
        "offer",
        f"Would you like me to start a return for order {view.number} instead?",
        yes_no_buttons("Yes, start a return", "No, keep it"),
        data={
            "order": view.number,
            "text": text,
            "leaving": "the return",
            "window_ends": window_ends.isoformat(),
        },
    )


def start_return(conversation: Conversation, turn: Turn, who: Who, view: OrderStatusView) -> None:
    """Checks that `view` can be returned, then asks for what is missing: the item, the reason."""
    conversation.state.focus.order = view.number
    if view.status in (OrderStatus.PLACED, OrderStatus.PAID):
        conversation.say(
            f"Order {view.number} hasn't shipped yet, so there's nothing to send back: I can cancel it "
            "instead."
        )
        HANDLERS["cancel_order"](conversation, _with_order(turn, view.number))
        return
    if view.status is OrderStatus.SHIPPED:
        conversation.say(
            f"Order {view.number} is still on its way. Once it arrives you have {RETURN_WINDOW_DAYS} days to "
            "return it; "
            "just tell me then and I'll start the return."
        )
        return
    if view.status is not OrderStatus.DELIVERED:
        conversation.say(f"Order {view.number} is {view.status.value}, so there is nothing to return.")
        return
    delivered, window_ends = _return_window(conversation, who, view)
    if conversation.today(who) > window_ends:
        from dialogue.flows import complaints

        conversation.say(
            f"Order {view.number} was delivered on {long_day(delivered)}, so its {RETURN_WINDOW_DAYS}-day "
            f"return window ended on {long_day(window_ends)}. If something is faulty, it's still covered by "
            "the warranty."
        )
        conversation.ask(
            complaints.FLOW,
            "describe",
            "What's wrong with it? I'll open a case so our team can repair or replace it.",
            data={"order": view.number, "leaving": "the complaint", "free_text": True},
        )
        return
    product = product_in(conversation, turn, [view])
    data: dict[str, Any] = {
        "order": view.number,
        "text": turn.text,
        "reason": reason_in(turn.text),
        "window_ends": window_ends.isoformat(),
        "leaving": "the return",
    }
    if product is not None:
        line = next(line for line in view.lines if line.product_id == product.id)
        _next_step(conversation, {**data, "product_id": product.id, "item": str(line)})
    elif len(view.lines) == 1:
        _next_step(conversation, {**data, "product_id": view.lines[0].product_id, "item": str(view.lines[0])})
    else:
        buttons = [
            {"title": str(line), "payload": f'/choose{{"choice":"{line.product_id}"}}'}
            for line in view.lines[:5]
        ]
        buttons.append({"title": "Everything", "payload": '/choose{"choice":"all"}'})
        conversation.ask(
            RETURN,
            "which_item",
            f"What would you like to return from order {view.number}?",
            buttons,
            data={**data, "options": [str(line.product_id) for line in view.lines[:5]] + [EVERYTHING]},
        )


def _return_window(conversation: Conversation, who: Who, view: OrderStatusView) -> tuple[date, date]:
    """The day a delivered order arrived and the last day it can be returned, in the customer's zone."""
    delivered = view.status_since.astimezone(conversation.zone(who)).date()
    return delivered, delivered + timedelta(days=RETURN_WINDOW_DAYS)


def _next_step(conversation: Conversation, data: dict[str, Any]) -> None:
    if not data.get("reason"):
        conversation.ask(
            RETURN,
            "reason",
            f"Sure: a return of {data['item']} from order {data['order']}. What's the reason for the return?",
            [
                {"title": title.capitalize(), "payload": f'/choose{{"choice":"{title}"}}'}
                for title in _REASONS
            ],
            data={**data, "free_text": True},
        )
        return
    conversation.ask(
        RETURN,
        "confirm",
        f"Shall I start a return of {data['item']} from order {data['order']} ({data['reason']})? You'll get "
        "a free "
        f"return label by email within one working day; the refund follows within {REFUND_WORKING_DAYS} "
        "working days "
        "of the parcel reaching us.",
        yes_no_buttons("Yes, start the return", "No"),
        data=data,
    )


@resumes(RETURN)
def resume_return(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None:
        return False
    data = dict(pending.data)
    if pending.step == "offer":
        if turn.intent == "return_item" or plain_yes(turn):
            view = order_status(conversation.uow(), who.customer_id, str(data["order"]))
            start_return(
                conversation, _with_text(turn, f"{data.get('text') or ''} {turn.text}".strip()), who, view
            )
            return True
        if classify(turn) in (Answer.NO, Answer.NOT_NOW, Answer.LATER):
            conversation.done()
            conversation.say(
                f"{NOTHING_CHANGED} Order {data['order']} stays with you; you can still return it until "
                f"{long_day(date.fromisoformat(str(data['window_ends'])))}."
            )
            return True
        return False
    if pending.step == "which_order":
        chosen = (
            pick(turn, [str(o) for o in data.get("options") or []], conversation.state.focus.order)
            or turn.order_number
        )
        if chosen is None:
            return False
        try:
            view = order_status(conversation.uow(), who.customer_id, chosen)
        except OrderNotFound:
            conversation.say(
                f"I couldn't find an order {chosen} on your account. Could you check the number?"
            )
            return True
        start_return(conversation, _with_text(turn, str(data.get("text") or "")), who, view)
        return True
    if pending.step == "which_item":
        options = [str(o) for o in data.get("options") or []]
        chosen = pick(turn, options)
        view = order_status(conversation.uow(), who.customer_id, str(data["order"]))
        if chosen is None and re.search(r"\b(?:all|everything|whole|entire|both)\b", turn.words):
            chosen = EVERYTHING
        if chosen is None:
            product = product_in(conversation, turn, [view])
            chosen = str(product.id) if product else None
        if chosen is None:
            return False
        if chosen == EVERYTHING:
            data.update(product_id=None, item=f"everything ({view.items_text()})")
        else:
            line = next(line for line in view.lines if line.product_id == int(chosen))
            data.update(product_id=line.product_id, item=str(line))
        data["reason"] = data.get("reason") or reason_in(turn.text)
        _next_step(conversation, data)
        return True
    if pending.step == "reason":
        if turn.order_number == data.get("order") and len(turn.words.split()) <= 4:
            # "it's order 1002193": the order we already have, not a reason.
            _next_step(conversation, data)
            return True
        reason = next((c for c in turn.entities.get("choice", []) if c in _REASONS), None) or reason_in(
            turn.text
        )
        if reason is None and (
            turn.is_miss or turn.intent in ("complaint", "return_item") or len(turn.words.split()) >= 2
        ):
            reason = "other: " + turn.text.strip()[:120]
        if reason is None:
            return False
        _next_step(conversation, {**data, "reason": reason, "free_text": False})
        return True
    if plain_yes(turn):
        conversation.done()
        case = open_case(
            conversation.uow(),
            who.customer_id,
            CaseKind.RETURN,
            f"return: {data['reason']}"[:80],
            f"Return of {data['item']} from order {data['order']}. Reason: {data['reason']}. Customer wrote: "
            f"{data.get('text')}",
            conversation.now,
            order_number=str(data["order"]),
            product_id=int(data["product_id"]) if data.get("product_id") else None,
            conversation_id=conversation.ctx.conversation_id,
            channel=conversation.ctx.channel,
        )
        conversation.state.focus.case = case.number
        if case.reused:
            conversation.say(
                f"There's already an open return {case.number} for this; I've added your message to it."
            )
            return True
        conversation.changed("case", f"the return {case.number}", case=case.number)
        conversation.say(
            f"Done: return {case.number} is started for {data['item']} from order {data['order']}. The free "
            "return label "
            "comes by email within one working day; pack the item, stick the label on and drop it at any DPD "
            "shop."
        )
        return True
    if classify(turn) in (Answer.NO, Answer.NOT_NOW, Answer.LATER):
        conversation.done()
        conversation.say(f"{NOTHING_CHANGED} You can start the return any time before {data['window_ends']}.")
        return True
    reason = reason_in(turn.text)
    if reason is not None and reason != data.get("reason"):
        # "it doesn't work" before the yes: the reason was another one; ask again with it.
        _next_step(
            conversation, {**data, "reason": reason, "text": f"{data.get('text') or ''} {turn.text}".strip()}
        )
        return True
    return False


@handles("not_received")
def not_received(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    view = (
        order_or_latest(conversation, turn, who)
        if (turn.order_number or refers_back(turn) or who.only_order)
        else None
    )
    if view is None:
        delivered = [v for v in candidate_orders(conversation, who) if v.status is OrderStatus.DELIVERED]
        view = delivered[0] if delivered else order_or_latest(conversation, turn, who)
    if view is not None:
        start_not_received(conversation, who, view)


def start_not_received(conversation: Conversation, who: Who, view: OrderStatusView) -> None:
    conversation.state.focus.order = view.number
    if view.status is not OrderStatus.DELIVERED:
        from dialogue.flows.orders import describe

        estimate = delivery_estimate(
            conversation.uow(), who.customer_id, view.number, conversation.today(who)
        )
        conversation.say(describe(conversation, who, view, estimate))
        return
    estimate = delivery_estimate(conversation.uow(), who.customer_id, view.number, conversation.today(who))
    delivered = long_day(view.status_since.astimezone(conversation.zone(who)).date())
    proof = f" ({estimate.delivery_note})" if estimate.delivery_note else ""
    carrier = estimate.carrier or "the carrier"
    tracking = f", tracking number {estimate.tracking_number}" if estimate.tracking_number else ""
    conversation.say(
        f"I'm sorry. {carrier} marked order {view.number} ({view.items_text()}) as delivered on "
        f"{delivered}{proof}{tracking}. "
        "Parcels are sometimes left with a neighbour or in a safe place, so it's worth a quick look."
    )
    conversation.ask(
        NOT_RECEIVED,
        "confirm",
        f"If it isn't there, shall I open a case? {carrier} then investigates, and we send a replacement or "
        "refund "
        f"({money(view.total, view.currency)}) within {REFUND_WORKING_DAYS} working days.",
        yes_no_buttons("Yes, open a case", "No, I'll look first"),
        data={"order": view.number, "carrier": carrier, "leaving": "the missing parcel case"},
    )


@resumes(NOT_RECEIVED)
def resume_not_received(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None:
        return False
    if plain_yes(turn) or (classify(turn) is Answer.YES and turn.intent in ("affirm", "not_received")):
        conversation.done()
        number = str(pending.data["order"])
        case = open_case(
            conversation.uow(),
            who.customer_id,
            CaseKind.DELIVERY,
            "delivered, not received",
            f"Order {number} is marked delivered by {pending.data.get('carrier')} but the customer has not "
            "received it. "
            f"Customer wrote: {turn.text}",
            conversation.now,
            order_number=number,
            conversation_id=conversation.ctx.conversation_id,
            channel=conversation.ctx.channel,
        )
        conversation.state.focus.case = case.number
        if not case.reused:
            conversation.changed("case", f"the missing parcel case {case.number}", case=case.number)
        conversation.say(
            f"Done: case {case.number} is open for order {number}. We've asked {pending.data.get('carrier')} "
            "to investigate "
            f"and will send a replacement or refund within {REFUND_WORKING_DAYS} working days; we'll email "
            "you either way."
        )
        return True
    if classify(turn) in (Answer.NO, Answer.NOT_NOW, Answer.LATER):
        conversation.done()
        conversation.say("OK. If it doesn't turn up, just tell me and I'll open the case.")
        return True
    return False


def _order_meant(
    conversation: Conversation, turn: Turn, who: Who, views: tuple[OrderStatusView, ...]
) -> OrderStatusView | None:
    number = turn.order_number or who.only_order
    if number is None and refers_back(turn) and conversation.state.focus.order:
        number = conversation.state.focus.order
    if number is not None:
        if not allowed(conversation, who, number):
            return None
        return order_or_latest(conversation, _with_order(turn, number), who)
    if LATEST_ORDER.search(turn.words) and views:
        return views[0]
    product = product_in(conversation, turn, views)
    if product is not None:
        holding = [
            v for v in orders_with(views, product.id) if v.status is OrderStatus.DELIVERED
        ] or orders_with(views, product.id)
        return holding[0] if holding else None
    return None


def _with_order(turn: Turn, number: str) -> Turn:
    from dataclasses import replace

    return replace(turn, entities={**turn.entities, "order_number": [number]})


def _with_text(turn: Turn, text: str) -> Turn:
    from dataclasses import replace

    return replace(turn, text=text or turn.text)
