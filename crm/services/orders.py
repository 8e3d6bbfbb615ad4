"""Order questions: where is it, what is in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from crm.models import Order, OrderStatus
from crm.services.errors import OrderNotFound
from crm.uow import UnitOfWork


@dataclass(frozen=True)
class OrderStatusView:
    number: str
    status: OrderStatus
    placed_at: datetime
    status_since: datetime
    carrier: str | None
    tracking_number: str | None
    promised_delivery_on: date | None
    items: tuple[str, ...]
    total: Decimal


def order_status(uow: UnitOfWork, customer_id: int, number: str | None = None) -> OrderStatusView:
    """The status of the customer's order `number`, or of their latest order when no number is given.

    Raises `OrderNotFound` when the customer has no such order (also when it is someone else's).
    """
    with uow:
        if number is None:
            order = uow.orders.latest_for(customer_id)
        else:
            order = uow.orders.by_number_for(customer_id, number.strip().lstrip("#"))
        if order is None:
            raise OrderNotFound(number or "latest")
        return _status_view(order)


def _status_view(order: Order) -> OrderStatusView:
    status_since = order.history[-1].occurred_at if order.history else order.placed_at
    return OrderStatusView(
        number=order.number,
        status=order.status,
        placed_at=order.placed_at,
        status_since=status_since,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        promised_delivery_on=order.promised_delivery_on,
        items=tuple(f"{line.quantity} x {line.product.name}" for line in order.lines),
        total=sum((line.unit_price * line.quantity for line in order.lines), Decimal("0")),
    )
