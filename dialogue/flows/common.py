"""What most flows need: the customer (or why not), the order meant, the product meant."""

from __future__ import annotations

import re
from collections.abc import Sequence

from crm.services.catalog import ProductView, match_products
from crm.services.devices import owned_products
from crm.services.errors import OrderNotFound
from crm.services.identity import is_legacy_order_number
from crm.services.orders import OrderStatusView, normalise_number, order_status, recent_orders
from dialogue.conversation import Button, Conversation, Who, request_of
from dialogue.texts import ACCOUNT_NEEDS_LOGIN
from dialogue.turn import Turn

# "my last order", "the latest delivery": the newest order.
LATEST_ORDER = re.compile(
    r"\b(?:last|latest|recent|newest|most recent) (?:order|purchase|delivery|parcel|package)\b"
)
# "it", "that order", "the machine": the message leans on what was said before.
_REFERS_BACK = re.compile(r"\b(?:it|its|it's|that|this|them|those|these|the order|that order|the same)\b")


def who_or_identify(conversation: Conversation, turn: Turn, *, account: bool = False) -> Who | None:
    """The customer behind the chat; a visitor is asked to identify and the request waits for it.

    `account`: the request touches the account (preferences, reorders, devices), which an order
    proven in chat does not open.
    """
    who = conversation.who()
    if who is not None:
        if account and not who.has_account_access:
            conversation.say(ACCOUNT_NEEDS_LOGIN.format(order=who.only_order))
            return None
        return who
    from dialogue.flows import identify  # a cycle: identification resumes other flows

    identify.start(conversation, turn, after=request_of(turn))
    return None


def named_order(conversation: Conversation, turn: Turn, who: Who) -> str | None:
    """The order this message is about: named in it, the one in focus, or the one proven in chat."""
    if turn.order_number:
        return normalise_number(turn.order_number)
    if who.only_order:
        return who.only_order
    return conversation.state.focus.order


def allowed(conversation: Conversation, who: Who, number: str) -> bool:
    """A visitor who proved one order may see that order only."""
    if who.only_order is None or normalise_number(number) == who.only_order:
        return True
    conversation.say(
        f"In this chat I can only look at order {who.only_order}, the one you identified with. "
        "For your other orders, please log in on our website and open the chat there."
    )
    return False


def order_or_latest(conversation: Conversation, turn: Turn, who: Who) -> OrderStatusView | None:
    """The named / focused order, else the latest; says what went wrong and returns None if none."""
    number = named_order(conversation, turn, who)
    if number is not None and not allowed(conversation, who, number):
        return None
    try:
        view = order_status(conversation.uow(), who.customer_id, number)
    except OrderNotFound:
        if number is not None and is_legacy_order_number(number):
            conversation.say(
                f"Order {number} has a six-digit number from our previous shop system, whose orders aren't "
                "linked to accounts here. A colleague can look it up for you: just ask for a person."
            )
        elif number is not None:
            conversation.say(
                f"I couldn't find an order {number} on your account. Could you check the number?"
            )
        else:
            conversation.say("I don't see any orders on your account yet.")
        return None
    conversation.state.focus.order = view.number
    return view


def candidate_orders(conversation: Conversation, who: Who, limit: int = 5) -> tuple[OrderStatusView, ...]:
    if who.only_order:
        return (order_status(conversation.uow(), who.customer_id, who.only_order),)
    return recent_orders(conversation.uow(), who.customer_id, limit)


def order_buttons(views: Sequence[OrderStatusView], limit: int = 4) -> list[Button]:
    return [
        {
            "title": f"{view.number}: {view.items_text(2)}",
            "payload": f'/choose{{"order_number":"{view.number}"}}',
        }
        for view in views[:limit]
    ]


def refers_back(turn: Turn) -> bool:
    return bool(_REFERS_BACK.search(turn.words))


def product_in(
    conversation: Conversation, turn: Turn, views: Sequence[OrderStatusView], *, devices: bool = False
) -> ProductView | None:
    """The product of these orders (or, with `devices`, of the customer's devices) that the message
    names ("the crushed capsules", "the coffee machine"), if exactly one fits."""
    ids = {line.product_id for view in views for line in view.lines}
    who = conversation.who()
    if devices and who is not None and who.has_account_access:
        ids |= set(owned_products(conversation.uow(), who.customer_id))
    if not ids:
        return None
    found = match_products(conversation.uow(), turn.text, among=ids, limit=2)
    if not found:
        # The product the message is about without naming it ("it makes a noise" about the machine
        # just talked about) comes as an entity from the conversation's context.
        for named in turn.entities.get("product", []):
            found = match_products(conversation.uow(), named, among=ids, limit=2)
            if found:
                break
    return found[0] if len(found) == 1 else None


def orders_with(views: Sequence[OrderStatusView], product_id: int) -> list[OrderStatusView]:
    return [view for view in views if any(line.product_id == product_id for line in view.lines)]
