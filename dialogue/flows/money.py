"""Refunds, payments and double charges, answered from the order the customer means."""

from __future__ import annotations

import re
from decimal import Decimal

from crm.models import CaseKind, OrderStatus
from crm.services.cases import open_case
from crm.services.errors import OrderNotFound
from crm.services.invoices import order_invoices
from crm.services.orders import OrderStatusView, open_orders
from crm.services.refunds import REFUND_WORKING_DAYS, RETURN_WINDOW_DAYS, RefundState, refund_status
from dialogue.answers import Answer, classify, pick, plain_yes
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows.common import (
    LATEST_ORDER,
    candidate_orders,
    named_order,
    order_buttons,
    order_or_latest,
    refers_back,
    who_or_identify,
)
from dialogue.registry import HANDLERS, handles, resumes
from dialogue.state import Pending
from dialogue.texts import NOTHING_CHANGED, day, money
from dialogue.turn import Turn

BILLING = "billing"
WHICH = "refund_which"
REFUND_POLICY = (
    f"You can return anything within {RETURN_WINDOW_DAYS} days of delivery (return shipping is free). Once "
    "the "
    f"return reaches our warehouse we refund the full price to your original payment method within "
    f"{REFUND_WORKING_DAYS} working days. A paid order cancelled before it ships is refunded within "
    f"{REFUND_WORKING_DAYS} working days of the cancellation."
)
_DECLINED = re.compile(r"\b(?:declin|rejected|refused|won'?t go through|didn'?t go through|fail)")


@handles("check_refund_policy")
def refund_policy(conversation: Conversation, turn: Turn) -> None:
    conversation.say(REFUND_POLICY)


@handles("check_payment_methods")
def payment_methods(conversation: Conversation, turn: Turn) -> None:
    conversation.say(
        "We accept Visa, Mastercard and American Express, PayPal, Apple Pay and Google Pay, and bank "
        "transfer "
        "(the order ships once the transfer arrives)."
    )


@handles("get_refund")
def get_refund(conversation: Conversation, turn: Turn) -> None:
    """A refund depends on where the order is: cancel it, return it, or it is already on its way back."""
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    number = (
        named_order(conversation, turn, who)
        if (turn.order_number or refers_back(turn) or who.only_order)
        else None
    )
    if number is None:
        views = candidate_orders(conversation, who)
        if views and LATEST_ORDER.search(turn.words):  # "my money back for the last order"
            number = views[0].number
        elif len(views) > 1:
            conversation.ask(
                WHICH,
                "which_order",
                "Which order would you like a refund for?",
                order_buttons(views),
                data={"options": [v.number for v in views], "leaving": "the refund request"},
            )
            return
    view = order_or_latest(conversation, turn if number is None else _with(turn, number), who)
    if view is not None:
        _refund_for(conversation, who, view, turn)


@resumes(WHICH)
def resume_which(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    chosen = pick(turn, [str(o) for o in pending.data.get("options") or []]) or turn.order_number
    if who is None or chosen is None:
        return False
    conversation.done()
    view = order_or_latest(conversation, _with(turn, chosen), who)
    if view is not None:
        _refund_for(conversation, who, view, turn)
    return True


def _refund_for(conversation: Conversation, who: Who, view: OrderStatusView, turn: Turn) -> None:
    status = view.status
    if status in (OrderStatus.PAID, OrderStatus.PLACED):
        paid = (
            "It is paid, so cancelling it refunds the full amount."
            if status is OrderStatus.PAID
            else ("It isn't paid yet, so nothing was charged; I can cancel it if you don't want it.")
        )
        conversation.say(f"Order {view.number} ({view.items_text()}) hasn't shipped yet. {paid}")
        HANDLERS["cancel_order"](conversation, _with(turn, view.number, intent="cancel_order"))
        return
    if status is OrderStatus.SHIPPED:
        conversation.say(
            f"Order {view.number} is on its way, so it can't be cancelled any more. Once it arrives you can "
            "return "
            f"it within {RETURN_WINDOW_DAYS} days and get the full price back; just tell me then and I'll "
            "start the return."
        )
        return
    if status is OrderStatus.DELIVERED:
        from dialogue.flows import returns

        conversation.say(
            f"For a refund on order {view.number}, send the item back and we refund it once it arrives."
        )
        returns.start_return(conversation, turn, who, view)
        return
    _report_refund(conversation, who, view.number)


@handles("track_refund")
def track_refund(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    number = (
        named_order(conversation, turn, who)
        if (turn.order_number or refers_back(turn) or who.only_order)
        else None
    )
    _report_refund(conversation, who, number)


def _report_refund(conversation: Conversation, who: Who, number: str | None) -> None:
    try:
        view = refund_status(conversation.uow(), who.customer_id, number, conversation.now)
    except OrderNotFound:
        conversation.say(
            f"I couldn't find an order {number} on your account."
            if number
            else "I don't see any orders on your account yet."
        )
        return
    conversation.state.focus.order = view.number
    amount = money(view.amount, view.currency)
    if view.state is RefundState.REFUNDED:
        when = f" on {day(view.refunded_on)}" if view.refunded_on else ""
        text = (
            f"The refund for order {view.number} ({amount}) was paid{when} to the payment method you "
            "used. Banks take up to 5 working days to show it."
        )
    elif view.state is RefundState.PENDING and view.overdue and view.expected_by:
        text = (
            f"I'm sorry: the refund of {amount} for order {view.number} was due by {day(view.expected_by)} "
            "and is late. I can open a case so our billing team sorts it out today."
        )
        conversation.say(text)
        _offer_billing_case(
            conversation,
            view.number,
            "refund overdue",
            f"Refund of {amount} for order {view.number} is overdue.",
        )
        return
    elif view.state is RefundState.PENDING and view.expected_by:
        text = (
            f"The refund of {amount} for order {view.number} is on its way: expected by "
            f"{day(view.expected_by)}."
        )
    elif view.state is RefundState.NOTHING_CHARGED:
        text = (
            f"Order {view.number} was cancelled before payment, so nothing was charged and there is "
            "nothing to refund."
        )
    else:
        text = (
            f"Order {view.number} is {view.order_status.value}, so no refund is due on it. If you'd like "
            "your money back, "
            "tell me and I'll explain how for that order."
        )
    conversation.say(text)


@handles("payment_issue")
def payment_issue(conversation: Conversation, turn: Turn) -> None:
    if _DECLINED.search(turn.words):
        text = (
            "Sorry your payment was declined. When the bank says the card is fine, the usual causes are: "
            "1) the 3-D Secure confirmation in your banking app timed out (try again and confirm within 5 "
            "minutes), "
            "2) the billing address doesn't match the card's, 3) online or foreign payments are limited on "
            "the card. "
            "PayPal or another card usually works straight away. A declined attempt is never charged."
        )
    else:
        text = (
            "Sorry the payment didn't go through. Please check the card details and billing address and that "
            "your bank "
            "allows online payments (some need an app confirmation), or try another method such as PayPal. A "
            "failed "
            "attempt is never charged; any hold on it is released by your bank within a few days."
        )
    conversation.say(text)
    who = conversation.who()
    if who is not None:
        unpaid = [
            v
            for v in open_orders(conversation.uow(), who.customer_id, limit=5)
            if v.status is OrderStatus.PLACED
        ]
        if unpaid:
            v = unpaid[0]
            conversation.say(
                f"Your order {v.number} ({money(v.total, v.currency)}) is waiting for payment and stays "
                "reserved for 7 days: "
                f"pay it in your account under Orders > {v.number} > Pay now."
            )


@handles("double_charge")
def double_charge(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    view = order_or_latest(conversation, turn, who)
    if view is None:
        return
    invoices = order_invoices(conversation.uow(), who.customer_id, view.number).invoices
    amounts: dict[Decimal, int] = {}
    for invoice in invoices:
        amounts[invoice.amount] = amounts.get(invoice.amount, 0) + 1
    if any(count > 1 for count in amounts.values()):
        conversation.say(
            f"I'm sorry: I can see two payments of the same amount for order {view.number}. The duplicate "
            "will be refunded."
        )
    elif invoices:
        conversation.say(
            f"For order {view.number} I see one payment of {money(invoices[0].amount, view.currency)} "
            f"(invoice {invoices[0].number}). "
            "A second amount on your statement is usually a hold from an earlier attempt that failed; your "
            "bank "
            "releases it within 3-5 working days without you doing anything."
        )
    else:
        conversation.say(
            f"Order {view.number} has no payment recorded yet, so we haven't charged you for it."
        )
    _offer_billing_case(
        conversation,
        view.number,
        "double charge",
        f"Customer reports a double charge on order {view.number}: {turn.text}",
    )


def _offer_billing_case(conversation: Conversation, number: str, topic: str, description: str) -> None:
    conversation.ask(
        BILLING,
        "confirm",
        f"Shall I open a case with our billing team about order {number} ({topic}), so they check it and "
        "email you?",
        yes_no_buttons("Yes, open a case", "No, thanks"),
        data={"order": number, "topic": topic, "text": description, "leaving": "the billing case"},
    )


@resumes(BILLING)
def resume_billing(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None:
        return False
    if plain_yes(turn) or (classify(turn) is Answer.YES and turn.intent in ("affirm", "double_charge")):
        conversation.done()
        case = open_case(
            conversation.uow(),
            who.customer_id,
            CaseKind.BILLING,
            str(pending.data["topic"]),
            str(pending.data["text"]),
            conversation.now,
            order_number=str(pending.data["order"]),
            conversation_id=conversation.ctx.conversation_id,
            channel=conversation.ctx.channel,
        )
        conversation.state.focus.case = case.number
        if case.reused:
            conversation.say(
                f"There's already an open case {case.number} about this; I've added your message to it."
            )
            return True
        conversation.changed("case", f"the billing case {case.number}", case=case.number)
        conversation.say(
            f"Done: case {case.number} is with our billing team. They'll email you within one working day."
        )
        return True
    if classify(turn) in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say(NOTHING_CHANGED)
        return True
    return False


def _with(turn: Turn, number: str, intent: str | None = None) -> Turn:
    from dataclasses import replace

    return replace(turn, intent=intent or turn.intent, entities={**turn.entities, "order_number": [number]})
