"""Order questions answered from the customer's own orders: status, arrival, history, delivery options."""

from __future__ import annotations

import re

from crm.models import OrderStatus
from crm.services.catalog import match_products, product_by_id
from crm.services.delivery import (
    DELIVERY_OPTIONS,
    OVERSEAS,
    TRANSIT_DAYS,
    DeliveryEstimate,
    DeliveryState,
    add_working_days,
    delivery_estimate,
)
from crm.services.orders import OrderStatusView, count_orders, open_orders, recent_orders
from crm.services.refunds import CANCELLATION_POLICY, RETURN_WINDOW_DAYS, CancellationFee
from crm.services.replenishment import usual_consumables
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows.common import order_or_latest, refers_back, who_or_identify
from dialogue.registry import handles
from dialogue.texts import day, long_day, money
from dialogue.turn import Turn

_STATUS = {
    OrderStatus.PLACED: "has been placed and is waiting for payment",
    OrderStatus.PAID: "is paid and being packed",
    OrderStatus.SHIPPED: "is on its way",
    OrderStatus.DELIVERED: "was delivered",
    OrderStatus.CANCELLED: "was cancelled",
    OrderStatus.RETURNED: "was returned to us",
    OrderStatus.REFUNDED: "was refunded",
}
# "my order", "it", "when will mine come": about the customer's own parcel, not delivery in general.
_PERSONAL = re.compile(
    r"\b(?:my|mine|i ordered|i bought|it|its|it's|order \d|parcel|package|stuff|tracking|track)\b"
)
_NOT_HERE = re.compile(
    r"\b(?:hasn'?t|hasnt|has not|haven'?t|havent|have not|didn'?t|didnt|did not|never|still not|not "
    r"yet|still (?:waiting|nothing))"
    r"\b.*\b(?:arriv|come|came|got|get|receiv|recieve|deliver|show)",
)


@handles("track_order")
def track_order(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    view = order_or_latest(conversation, turn, who)
    if view is None:
        return
    estimate = delivery_estimate(conversation.uow(), who.customer_id, view.number, conversation.today(who))
    if estimate.state is DeliveryState.DELIVERED and _NOT_HERE.search(turn.words):
        from dialogue.flows import returns  # a delivered parcel that did not arrive: its own flow

        returns.start_not_received(conversation, who, view)
        return
    conversation.say(describe(conversation, who, view, estimate))
    _offer_late_case(conversation, view, estimate)
    if turn.order_number is None and not who.only_order:
        _mention_other_open_orders(conversation, who, view)


@handles("delivery_period")
def delivery_period(conversation: Conversation, turn: Turn) -> None:
    if not turn.order_number and not _PERSONAL.search(turn.words) and not _on_its_way(conversation, turn):
        # "how long does delivery to the UK take?": the general answer, logged in or not.
        conversation.say(general_delivery_times())
        return
    track_order(conversation, turn)


def _on_its_way(conversation: Conversation, turn: Turn) -> bool:
    """ "eta?", "when??": too short to be about delivery in general, from a customer who has an order
    on its way: that order."""
    who = conversation.who()
    if who is None or not who.has_account_access or len(turn.words.split()) > 3:
        return False
    return any(
        v.status in (OrderStatus.PAID, OrderStatus.SHIPPED)
        for v in open_orders(conversation.uow(), who.customer_id, limit=3)
    )


@handles("list_orders")
def list_orders(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    if who.only_order:
        conversation.say(
            f"In this chat I can only see order {who.only_order}. Log in on our website to see all your "
            "orders."
        )
        return
    views = recent_orders(conversation.uow(), who.customer_id, limit=5)
    if not views:
        conversation.say("I don't see any orders on your account yet.")
        return
    total = count_orders(conversation.uow(), who.customer_id)
    zone = conversation.zone(who)
    lines = [
        f"- {v.number} ({long_day(v.placed_at.astimezone(zone).date())}): {v.items_text(2)}, "
        f"{money(v.total, v.currency)}, {v.status.value}"
        for v in views
    ]
    conversation.state.focus.listed = [v.number for v in views]
    head = f"You have {total} orders; the latest {len(views)}:" if total > len(views) else "Your orders:"
    conversation.say(head + "\n" + "\n".join(lines) + "\nAsk me about any of them by its number.")


@handles("delivery_options")
def delivery_options(conversation: Conversation, turn: Turn) -> None:
    options = "; ".join(
        f"{o.name}: {o.working_days}{' working days' if o.working_days[:1].isdigit() else ''}, {o.price} "
        f"({o.note})"
        for o in DELIVERY_OPTIONS
    )
    conversation.say(
        f"We ship from Germany to most of Europe, the UK, the US and Singapore. Options: {options}."
    )


@handles("check_cancellation_fee")
def cancellation_fee(conversation: Conversation, turn: Turn) -> None:
    conversation.say(
        "Cancelling is free of charge until your order leaves our warehouse. Once it has shipped it can't "
        f"be cancelled, but you can return it within {RETURN_WINDOW_DAYS} days of delivery for a full refund "
        "(return shipping is free)."
    )
    who = conversation.who()
    if who is None or (who.only_order and not turn.order_number):
        return
    views = open_orders(conversation.uow(), who.customer_id, limit=3)
    free = [v.number for v in views if CANCELLATION_POLICY[v.status] is CancellationFee.FREE]
    if free:
        conversation.say(
            f"Your order{'s' if len(free) > 1 else ''} {', '.join(free)} can still be cancelled for free."
        )


@handles("set_up_shipping_address")
def set_up_address(conversation: Conversation, turn: Turn) -> None:
    conversation.say(
        "To add a delivery address: log in on our website, open My account > Addresses, add the new address "
        "and mark it as default. New orders go there; orders already placed keep their address."
    )


@handles("place_order")
def place_order(conversation: Conversation, turn: Turn) -> None:
    products = match_products(conversation.uow(), turn.text, limit=1)
    focus = conversation.state.focus
    if not products and focus.product_id and (refers_back(turn) or re.search(r"\bone\b", turn.words)):
        in_focus = product_by_id(conversation.uow(), focus.product_id)
        products = (in_focus,) if in_focus else ()
    if products:
        product = products[0]
        conversation.state.focus.product_id, conversation.state.focus.product = product.id, product.name
        conversation.say(
            f"The {product.name} costs {money(product.price, 'EUR')} and is in stock. To order it: find it "
            "on "
            "our website, add it to your basket and check out with your address and a payment method; "
            "the confirmation email has your order number."
        )
    else:
        conversation.say(
            "To order: 1) find the product on our website (search, or browse by device), 2) add it to your "
            "basket, "
            "3) check out with your delivery address and a payment method. The confirmation email has your "
            "order number."
        )
    who = conversation.who()
    if who is not None and who.has_account_access:
        usual = usual_consumables(conversation.uow(), who.customer_id)
        if usual:
            conversation.say(
                f"Tip: I can reorder your usual ({usual[0].last_quantity} x {usual[0].name}) right here: "
                'just say "reorder my usual".'
            )


def describe(conversation: Conversation, who: Who, view: OrderStatusView, estimate: DeliveryEstimate) -> str:
    """One reply naming the order, its contents and where it is, in the customer's local dates."""
    zone = conversation.zone(who)
    placed = long_day(view.placed_at.astimezone(zone).date())
    name = f"{who.first_name}, your" if who.first_name else "Your"
    text = f"{name} order {view.number} from {placed} ({view.items_text()}) {_STATUS[view.status]}"
    if estimate.state is DeliveryState.LATE:
        since = f" since {day(estimate.shipped_on)}" if estimate.shipped_on else ""
        carrier = (
            f" with {estimate.carrier}{since} (tracking number {estimate.tracking_number})"
            if estimate.carrier
            else ""
        )
        due = f" It was due by {day(estimate.latest)}" if estimate.latest else " It is overdue"
        lead = f"I'm sorry, {who.first_name}: your" if who.first_name else "I'm sorry: your"
        return (
            f"{lead} order {view.number} ({view.items_text()}) is late.{due}, and it is still travelling"
            f"{carrier}. Late parcels usually turn up within two working days."
        )
    if view.status is OrderStatus.SHIPPED:
        if estimate.carrier:
            text += f" with {estimate.carrier}, tracking number {estimate.tracking_number}"
        text += "."
        if estimate.latest:
            text += f" Expected delivery: {_window(estimate)}."
        return text
    if view.status is OrderStatus.DELIVERED:
        return text + f" on {long_day(view.status_since.astimezone(zone).date())}."
    if view.status is OrderStatus.PAID and estimate.latest:
        return text + f". Expected delivery: {_window(estimate)}."
    if view.status is OrderStatus.PLACED:
        return text + f" ({money(view.total, view.currency)}). It ships within one working day of payment."
    return text + "."


def general_delivery_times() -> str:
    europe = sorted({days for country, days in TRANSIT_DAYS.items() if country not in OVERSEAS})
    fastest, slowest = min(d[0] for d in europe), max(d[1] for d in europe)
    return (
        "Paid orders leave our warehouse in Germany within one working day. Standard delivery then takes "
        f"1-2 working days within Germany and {fastest}-{slowest} across Europe and the UK; to the US and "
        "Singapore 5-9. Express arrives the next working day within Germany. Tell me your order number if "
        "you'd like me to check yours."
    )


def _window(estimate: DeliveryEstimate) -> str:
    if estimate.earliest and estimate.latest and estimate.earliest < estimate.latest:
        return f"between {day(estimate.earliest)} and {day(estimate.latest)}"
    return day(estimate.latest) if estimate.latest else "soon"


def _offer_late_case(conversation: Conversation, view: OrderStatusView, estimate: DeliveryEstimate) -> None:
    if estimate.state is not DeliveryState.LATE:
        return
    conversation.state.focus.order = view.number
    from dialogue.flows import complaints

    check_by = add_working_days(max(estimate.latest or conversation.today(), conversation.today()), 2)
    conversation.offer(
        complaints.FLOW,
        "confirm",
        f"Shall I open a case about the late delivery of order {view.number}, so our team chases "
        f"{estimate.carrier or 'the carrier'} and gets back to you by {day(check_by)}?",
        yes_no_buttons("Yes, open a case", "No, I'll wait"),
        data={
            "order": view.number,
            "topic": "late delivery",
            "text": f"Order {view.number} is late.",
            "product_id": None,
        },
    )


def _mention_other_open_orders(conversation: Conversation, who: Who, shown: OrderStatusView) -> None:
    others = [
        v.number
        for v in open_orders(conversation.uow(), who.customer_id, limit=4)
        if v.number != shown.number
    ]
    if others:
        conversation.say(
            f"You also have {'an open order' if len(others) == 1 else 'open orders'} {', '.join(others)}: "
            "ask me about it by its number."
        )
