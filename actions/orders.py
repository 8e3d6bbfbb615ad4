"""Order questions answered from the customer's own orders."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import NO_ORDERS, for_customer
from crm.models import OrderStatus
from crm.services.orders import OrderStatusView, order_status

log = logging.getLogger(__name__)

_STATUS_PHRASES = {
    OrderStatus.PLACED: "has been placed and is waiting for payment",
    OrderStatus.PAID: "is paid and being prepared for shipping",
    OrderStatus.SHIPPED: "is on its way",
    OrderStatus.DELIVERED: "was delivered",
    OrderStatus.CANCELLED: "was cancelled",
    OrderStatus.RETURNED: "was returned to us",
    OrderStatus.REFUNDED: "was refunded",
}


class ActionReportOrderStatus(Action):
    """Tells an identified customer where their latest (or named) order is."""

    def name(self) -> str:
        return "action_report_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        number = named_order(tracker)
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: order_status(uow, customer.id, number),
            log=log,
            failure="order status unavailable for sender %s",
            number=number,
            missing=[NO_ORDERS],
        )
        if found is None:
            return []
        customer, view = found
        dispatcher.utter_message(text=describe_order(view, customer.first_name, customer.time_zone))
        return []


def describe_order(view: OrderStatusView, first_name: str, time_zone: str) -> str:
    """One reply that names the order, its contents and where it is, in the customer's local time."""
    zone = ZoneInfo(time_zone)
    placed = view.placed_at.astimezone(zone).strftime("%-d %b %Y")
    items = ", ".join(view.items[:3]) + (f" and {len(view.items) - 3} more" if len(view.items) > 3 else "")
    parts = [f"{first_name}, your order {view.number} from {placed} ({items}) {_STATUS_PHRASES[view.status]}"]
    if view.status is OrderStatus.SHIPPED and view.carrier:
        parts.append(f"with {view.carrier}, tracking number {view.tracking_number}")
    text = " ".join(parts) + "."
    if view.status is OrderStatus.DELIVERED:
        text = text[:-1] + f" on {view.status_since.astimezone(zone).strftime('%-d %b %Y')}."
    elif view.promised_delivery_on and view.status in (OrderStatus.PAID, OrderStatus.SHIPPED):
        text += f" Expected delivery: {view.promised_delivery_on.strftime('%a %-d %b')}."
    return text


def named_order(tracker: Tracker) -> str | None:
    """The order number the customer gave in this very message, if any."""
    return next(tracker.get_latest_entity_values("order_number"), None)


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the message being answered (read directly: button payloads carry no ranking)."""
    name = (tracker.latest_message.get("intent") or {}).get("name")
    return str(name) if name else None


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def day_text(day: date) -> str:
    return day.strftime("%a %-d %b")


def utc_now() -> datetime:
    """The edge's clock; actions pass it to services (tests replace it to freeze time)."""
    return datetime.now(UTC)
