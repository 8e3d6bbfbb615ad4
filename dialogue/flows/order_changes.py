"""Cancelling or changing an order: which order, what should change, are you sure, then the store.

Nothing changes before the customer confirmed exactly that change, quoted back to them; an
order that has shipped is refused with the reason and what they can do instead.
"""

from __future__ import annotations

import re
from typing import Any

from crm.models import OrderStatus
from crm.services.errors import OrderNotFound
from crm.services.orders import (
    CHANGEABLE_STATUSES,
    OrderAction,
    OrderActionRefused,
    OrderStatusView,
    cancel_order,
    check_order_action,
    open_orders,
    request_order_change,
)
from crm.services.refunds import REFUND_WORKING_DAYS, RETURN_WINDOW_DAYS
from dialogue.answers import Answer, classify, pick, plain_yes, sounds_like_question
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows import returns
from dialogue.flows.common import allowed, order_buttons, refers_back, who_or_identify
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import money
from dialogue.turn import Turn

FLOW = "order_change"
ADDRESS_PREFIX = "New delivery address: "
# "the address on my order", "order 1015024": one order, not the account's address book.
_AN_ORDER = re.compile(r"\b(?:my|the|this|that|last|latest|current|an) (?:order|parcel|delivery|package)\b")
_FUTURE = re.compile(r"\b(?:future|new|next|all my|default|account|profile)\b")
# A house number or postcode next to letters: "12 Baker Street", "NW1 6XE", "75001 Paris".
_LOOKS_LIKE_ADDRESS = re.compile(r"\b\d{1,5}[a-z]?\b.*[a-z]{3,}|[a-z]{3,}.*\b\d{1,5}[a-z]?\b", re.IGNORECASE)
_ANOTHER_ORDER = re.compile(
    r"\b(?:first|second|third|1st|2nd|3rd|other|older|newer|previous|latest|newest)\b"
    r"(?: \w+)? (?:order|one)\b"
)
_ABOUT_MONEY = re.compile(r"\b(?:money|refund|refunded|reimburs\w*|charged?|fee|cost|pay)\b")
_VERB = {OrderAction.CANCEL: "cancelled", OrderAction.CHANGE: "changed"}
# Words that only say "change my order": what is left is what should change.
_GENERIC = frozenset(
    [
        "i",
        "i'd",
        "id",
        "want",
        "wanna",
        "would",
        "like",
        "to",
        "need",
        "change",
        "changes",
        "changing",
        "modify",
        "modifying",
        "update",
        "edit",
        "amend",
        "my",
        "the",
        "an",
        "a",
        "order",
        "orders",
        "number",
        "no",
        "please",
        "pls",
        "can",
        "could",
        "you",
        "u",
        "help",
        "me",
        "with",
        "something",
        "in",
        "on",
        "of",
        "is",
        "it",
        "this",
        "that",
        "there",
        "do",
        "how",
        "make",
        "some",
        "bit",
        "stuff",
        "hi",
        "hello",
        "hey",
        "thanks",
        "just",
        "wanted",
    ]
)
# Messages that clearly ask something else while we wait for what to change.
_NOT_DETAILS = frozenset(
    {"track_order", "delivery_period", "get_invoice", "check_invoice", "list_orders", "help"}
)


def refusal_text(number: str, action: OrderAction, status: OrderStatus) -> str:
    """Why `action` is impossible on an order in `status`, and what the customer can do instead."""
    verb = _VERB[action]
    returns = f"you can return it within {RETURN_WINDOW_DAYS} days of delivery for a full refund"
    if status is OrderStatus.SHIPPED:
        return (
            f"Order {number} has already shipped, so it can't be {verb} any more. Once it arrives, {returns}."
        )
    if status is OrderStatus.DELIVERED:
        return f"Order {number} was already delivered, so it can't be {verb} any more, but {returns}."
    return f"Order {number} is already {status.value}, so there is nothing left to change on it."


@handles("cancel_order")
def cancel(conversation: Conversation, turn: Turn) -> None:
    _start(conversation, turn, OrderAction.CANCEL, prefix="")


@handles("change_order")
def change(conversation: Conversation, turn: Turn) -> None:
    _start(conversation, turn, OrderAction.CHANGE, prefix="")


@handles("change_shipping_address")
def change_address(conversation: Conversation, turn: Turn) -> None:
    who = conversation.who()
    about_an_order = turn.order_number or refers_back(turn) or _AN_ORDER.search(turn.words)
    if who is not None and (about_an_order or who.only_order) and not _FUTURE.search(turn.words):
        _start(conversation, turn, OrderAction.CHANGE, prefix=ADDRESS_PREFIX)
        return
    conversation.say(
        "To change your delivery address: log in on our website, open My account > Addresses, add the new "
        "address and mark it as default. New orders go there. For an order that hasn't shipped yet, tell me "
        "its number and I'll pass the new address to our warehouse."
    )


def _start(conversation: Conversation, turn: Turn, action: OrderAction, *, prefix: str) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    data: dict[str, Any] = {
        "action": action.value,
        "prefix": prefix,
        "leaving": f"the {action.value} request",
    }
    details = _details(turn.text, address=bool(prefix))
    if details:
        data["details"] = details
    number = turn.order_number or who.only_order
    if number is None and refers_back(turn):
        number = conversation.state.focus.order
    if number is not None:
        _with_order(conversation, who, number, data, turn.text)
        return
    changeable = [
        v
        for v in open_orders(conversation.uow(), who.customer_id, limit=10)
        if v.status in CHANGEABLE_STATUSES
    ]
    if not changeable:
        conversation.say(
            f"None of your orders can still be {_VERB[action]}: everything has shipped already. "
            f"Once an order arrives you can return it within {RETURN_WINDOW_DAYS} days for a full refund."
        )
        return
    if len(changeable) == 1:
        _with_order(conversation, who, changeable[0].number, data)
        return
    conversation.ask(
        FLOW,
        "which_order",
        f"Which order do you want to {action.value}? These can still be {_VERB[action]}:",
        order_buttons(changeable),
        data={**data, "options": [v.number for v in changeable]},
    )


def _with_order(
    conversation: Conversation, who: Who, number: str, data: dict[str, Any], text: str = ""
) -> None:
    action = OrderAction(str(data["action"]))
    if not allowed(conversation, who, number):
        return
    try:
        view = check_order_action(conversation.uow(), who.customer_id, number, action)
    except OrderNotFound:
        conversation.say(f"I couldn't find an order {number} on your account. Could you check the number?")
        return
    except OrderActionRefused as refused:
        conversation.state.focus.order = refused.number
        conversation.done()
        conversation.say(refusal_text(refused.number, action, refused.status))
        if refused.status is OrderStatus.DELIVERED:
            returns.offer_return(conversation, who, refused.number, text)
        return
    conversation.state.focus.order = view.number
    data = {**data, "order": view.number}
    if action is OrderAction.CHANGE and not data.get("details"):
        what = (
            'the new delivery address (street and number, postcode and town, for example "12 Baker Street, '
            'London NW1 6XE")'
            if data.get("prefix")
            else 'what should change (for example "3 packs instead of 2" or "remove the descaler")'
        )
        conversation.ask(
            FLOW,
            "what",
            f"Order {view.number} ({view.items_text()}) hasn't shipped yet, so it can still be changed. "
            f"Please tell me {what}.",
            data={**data, "free_text": True},
        )
        return
    _confirm(conversation, view, data)


def _confirm(conversation: Conversation, view: OrderStatusView, data: dict[str, Any]) -> None:
    action = OrderAction(str(data["action"]))
    what = f"order {view.number} ({view.items_text()}, {money(view.total, view.currency)})"
    if action is OrderAction.CHANGE:
        change = f"{data.get('prefix') or ''}{data['details']}"
        text = (
            f'I\'ll ask our warehouse team to make this change to {what}: "{change}". They check it before '
            "packing and confirm by email. Shall I send it?"
        )
    elif view.status is OrderStatus.PAID:
        text = f"Cancel {what}? It is paid, so the full amount comes back to you."
    else:
        text = f"Cancel {what}? It isn't paid yet, so nothing will be charged."
    conversation.ask(FLOW, "confirm", text, yes_no_buttons(), data=data)


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None:
        return False
    data = dict(pending.data)
    action = OrderAction(str(data["action"]))
    if pending.step == "which_order":
        options = [str(o) for o in data.get("options") or []]
        chosen = pick(turn, options, conversation.state.focus.order) or (
            turn.order_number if turn.order_number else None
        )
        if chosen is None:
            return False
        _with_order(conversation, who, chosen, data)
        return True
    if pending.step == "what":
        if turn.intent in _NOT_DETAILS and turn.confidence >= 0.85 and not _details(turn.text):
            return False
        address = bool(data.get("prefix"))
        details = _details(turn.text, address=address) or ("" if address else turn.text.strip())
        if turn.is_button:
            return False
        if not details and address:
            conversation.ask(
                FLOW,
                "what",
                "That doesn't look like an address yet: please give the street and number, the postcode and "
                "the town.",
                data=data,
            )
            return True
        if not details:
            return False
        view = check_order_action(conversation.uow(), who.customer_id, str(data["order"]), action)
        _confirm(conversation, view, {**data, "details": details, "free_text": False})
        return True
    # confirm
    if turn.order_number and turn.order_number != data.get("order"):
        _with_order(conversation, who, turn.order_number, data)  # "no, I meant order ..."
        return True
    if action is OrderAction.CANCEL and sounds_like_question(turn) and _ABOUT_MONEY.search(turn.words):
        # "will I get my money back if I do?": answered from this order, then the same question.
        view = check_order_action(conversation.uow(), who.customer_id, str(data["order"]), action)
        if view.status is OrderStatus.PAID:
            conversation.say(
                f"Yes: order {view.number} is paid, so the full {money(view.total, view.currency)} goes back "
                f"to the payment method you used within {REFUND_WORKING_DAYS} working days. Cancelling is "
                "free."
            )
        else:
            conversation.say(
                f"Order {view.number} isn't paid yet, so nothing is charged and there's nothing to refund. "
                "Cancelling is free."
            )
        conversation.ask(FLOW, "confirm", pending.question, pending.buttons, data=data)
        return True
    if _ANOTHER_ORDER.search(turn.words):
        # "no, the first order", "the other one": another of the orders that can still change.
        options = [
            v.number
            for v in open_orders(conversation.uow(), who.customer_id, limit=10)
            if v.status in CHANGEABLE_STATUSES
        ]
        chosen = pick(turn, options, str(data.get("order")))
        if chosen is not None and chosen != data.get("order"):
            _with_order(conversation, who, chosen, data)
            return True
    if plain_yes(turn):
        _carry_out(conversation, who, data)
        return True
    answer = classify(turn)
    if answer in (Answer.NO, Answer.NOT_NOW, Answer.LATER):
        conversation.done()
        conversation.say(f"OK, I haven't changed anything: order {data['order']} stays as it is.")
        return True
    if (
        action is OrderAction.CHANGE
        and turn.intent in ("change_order", "change_shipping_address")
        and _details(turn.text)
    ):
        view = check_order_action(conversation.uow(), who.customer_id, str(data["order"]), action)
        _confirm(conversation, view, {**data, "details": _details(turn.text)})  # a corrected change
        return True
    return False


def _carry_out(conversation: Conversation, who: Who, data: dict[str, Any]) -> None:
    conversation.done()
    number, action = str(data["order"]), OrderAction(str(data["action"]))
    try:
        if action is OrderAction.CANCEL:
            result = cancel_order(conversation.uow(), who.customer_id, number, conversation.now)
            conversation.changed("cancel_order", f"the cancellation of order {number}", order=number)
            if result.was_paid:
                conversation.say(
                    f"Done: order {result.number} is cancelled. Your refund of "
                    f"{money(result.refund_amount, result.currency)} "
                    f"goes back to the payment method you used within {REFUND_WORKING_DAYS} working days."
                )
            else:
                conversation.say(
                    f"Done: order {result.number} is cancelled. It wasn't paid, so nothing was charged."
                )
            return
        change = f"{data.get('prefix') or ''}{data.get('details')}"
        result_change = request_order_change(
            conversation.uow(), who.customer_id, number, change, conversation.now
        )
        conversation.changed("order_change", f"the change request on order {number}", order=number)
        conversation.say(
            f'I\'ve sent your change for order {result_change.number} to our warehouse team: "{change}". '
            f"The order is still {result_change.status.value} and not packed yet; they'll confirm the change "
            "by email, or tell you if it isn't possible."
        )
    except OrderActionRefused as refused:
        conversation.say(refusal_text(refused.number, action, refused.status))
    except OrderNotFound:
        conversation.say(f"I couldn't find an order {number} on your account any more.")


def _details(text: str, *, address: bool = False) -> str:
    """What should change, from a message that may also say "change my order 1015213".

    A new delivery address must look like one: a house number or postcode and a street or town.
    """
    if text.startswith("/"):
        return ""
    if address and not _LOOKS_LIKE_ADDRESS.search(re.sub(r"\b[Cc]?\d{6,7}\b", "", text)):
        return ""
    words = re.findall(r"[A-Za-z0-9'@.,-]+", text)
    content = [
        w
        for w in words
        if w.lower().strip(".,") not in _GENERIC and not re.fullmatch(r"[Cc]?\d{6,7}[.,]?", w)
    ]
    return " ".join(text.split()) if len(content) >= 2 else ""
