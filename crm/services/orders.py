"""Order questions and changes: where is it, what is in it, can it still be cancelled or changed."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from crm.models import Order, OrderStatus, OrderStatusEvent, ProductKind
from crm.services.errors import OrderNotFound
from crm.uow import UnitOfWork

# Orders a customer may still want to act on: not yet delivered, cancelled or sent back.
OPEN_STATUSES = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.SHIPPED)
# Only orders that have not left the warehouse can be cancelled or changed by the shop.
CHANGEABLE_STATUSES = (OrderStatus.PLACED, OrderStatus.PAID)
NOTE_LENGTH = 200  # order_status_events.note
CANCELLED_IN_CHAT = "Cancelled by customer in chat"


@dataclass(frozen=True)
class LineView:
    product_id: int
    name: str
    quantity: int
    kind: ProductKind

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


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
    currency: str
    lines: tuple[LineView, ...] = ()

    def items_text(self, limit: int = 3) -> str:
        """ "2 x Barista espresso capsules, 50 pack and 1 more": short enough for a chat line."""
        shown = ", ".join(self.items[:limit])
        more = len(self.items) - limit
        return shown + (f" and {more} more" if more > 0 else "")


class OrderAction(enum.StrEnum):
    CANCEL = "cancel"
    CHANGE = "change"


class OrderActionRefused(Exception):
    """The order exists but its state does not allow `action`; `status` says why."""

    def __init__(self, number: str, action: OrderAction, status: OrderStatus) -> None:
        super().__init__(f"cannot {action.value} order {number}: it is {status.value}")
        self.number = number
        self.action = action
        self.status = status


@dataclass(frozen=True)
class CancellationResult:
    number: str
    status: OrderStatus
    was_paid: bool
    refund_amount: Decimal  # zero when nothing was paid
    currency: str


@dataclass(frozen=True)
class ChangeRequestResult:
    number: str
    status: OrderStatus
    note: str


def normalise_number(number: str) -> str:
    return number.strip().lstrip("#").upper()


def order_status(uow: UnitOfWork, customer_id: int, number: str | None = None) -> OrderStatusView:
    """The status of the customer's order `number`, or of their latest order when no number is given.

    Raises `OrderNotFound` when the customer has no such order (also when it is someone else's).
    """
    with uow:
        order = _find(uow, customer_id, number)
        return status_view(order)


def recent_orders(uow: UnitOfWork, customer_id: int, limit: int = 5) -> tuple[OrderStatusView, ...]:
    """The customer's newest orders of any status, newest first: "show me my orders"."""
    with uow:
        return tuple(
            status_view(order) for order in uow.orders.recent_for(customer_id, tuple(OrderStatus), limit)
        )


def count_orders(uow: UnitOfWork, customer_id: int) -> int:
    with uow:
        return uow.orders.count_for(customer_id)


def open_orders(uow: UnitOfWork, customer_id: int, limit: int = 3) -> tuple[OrderStatusView, ...]:
    """The customer's newest open orders, newest first: what "which order?" offers as choices."""
    with uow:
        return tuple(status_view(order) for order in uow.orders.recent_for(customer_id, OPEN_STATUSES, limit))


def check_order_action(
    uow: UnitOfWork, customer_id: int, number: str, action: OrderAction
) -> OrderStatusView:
    """The order, if `action` is still possible on it; `OrderNotFound` or `OrderActionRefused` if not."""
    with uow:
        order = _find(uow, customer_id, number)
        _require_changeable(order, action)
        return status_view(order)


def cancel_order(uow: UnitOfWork, customer_id: int, number: str, now: datetime) -> CancellationResult:
    """Cancels an order that has not shipped yet; a paid one is refunded in full.

    Raises `OrderNotFound` (unknown or someone else's) or `OrderActionRefused` (already shipped,
    delivered, cancelled, ...).
    """
    with uow:
        order = uow.orders.by_number_for_update(customer_id, normalise_number(number))
        if order is None:
            raise OrderNotFound(number)
        _require_changeable(order, OrderAction.CANCEL)
        was_paid = order.status is OrderStatus.PAID
        note = CANCELLED_IN_CHAT + (", refund due" if was_paid else "")
        _record(order, OrderStatus.CANCELLED, now, note)
        paid = sum((invoice.amount for invoice in order.invoices), Decimal("0")) or _total(order)
        result = CancellationResult(
            number=order.number,
            status=order.status,
            was_paid=was_paid,
            refund_amount=paid if was_paid else Decimal("0"),
            currency=order.currency,
        )
        uow.commit()
        return result


def request_order_change(
    uow: UnitOfWork, customer_id: int, number: str, request: str, now: datetime
) -> ChangeRequestResult:
    """Records the customer's change request on an order that has not shipped yet.

    The assistant cannot edit order lines itself, so the request goes into the order's history
    (same status, with a note) where the warehouse team sees it before packing.
    """
    with uow:
        order = uow.orders.by_number_for_update(customer_id, normalise_number(number))
        if order is None:
            raise OrderNotFound(number)
        _require_changeable(order, OrderAction.CHANGE)
        prefix = "Change requested in chat: "
        note = prefix + (" ".join(request.split()) or "(no details)")
        if len(note) > NOTE_LENGTH:
            note = note[: NOTE_LENGTH - 1] + "…"
        _record(order, order.status, now, note)
        result = ChangeRequestResult(number=order.number, status=order.status, note=note)
        uow.commit()
        return result


def reinstate_order(uow: UnitOfWork, customer_id: int, number: str, now: datetime) -> OrderStatusView | None:
    """Undoes a cancellation made in chat, while the order has not moved on since.

    Returns None when it cannot be undone (cancelled some other way, or refunded already).
    """
    with uow:
        order = uow.orders.by_number_for_update(customer_id, normalise_number(number))
        if order is None or order.status is not OrderStatus.CANCELLED or len(order.history) < 2:
            return None
        last, before = order.history[-1], order.history[-2]
        if not (last.note or "").startswith(CANCELLED_IN_CHAT) or before.status not in CHANGEABLE_STATUSES:
            return None
        _record(order, before.status, now, "Cancellation undone in chat")
        view = status_view(order)
        uow.commit()
        return view


def withdraw_order_change(uow: UnitOfWork, customer_id: int, number: str, now: datetime) -> bool:
    """Records that the customer took back their change request (an undo); False if the order is gone."""
    with uow:
        order = uow.orders.by_number_for_update(customer_id, normalise_number(number))
        if order is None:
            return False
        _record(order, order.status, now, "Change request withdrawn in chat")
        uow.commit()
        return True


def status_view(order: Order) -> OrderStatusView:
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
        total=_total(order),
        currency=order.currency,
        lines=tuple(
            LineView(line.product_id, line.product.name, line.quantity, line.product.kind)
            for line in order.lines
        ),
    )


def _find(uow: UnitOfWork, customer_id: int, number: str | None) -> Order:
    if number is None:
        order = uow.orders.latest_for(customer_id)
    else:
        order = uow.orders.by_number_for(customer_id, normalise_number(number))
    if order is None:
        raise OrderNotFound(number or "latest")
    return order


def _require_changeable(order: Order, action: OrderAction) -> None:
    if order.status not in CHANGEABLE_STATUSES:
        raise OrderActionRefused(order.number, action, order.status)


def _record(order: Order, status: OrderStatus, now: datetime, note: str) -> None:
    # The history is the record; `orders.status` mirrors its newest entry (see the model).
    order.history.append(OrderStatusEvent(status=status, occurred_at=now, note=note))
    order.status = status


def _total(order: Order) -> Decimal:
    return sum((line.unit_price * line.quantity for line in order.lines), Decimal("0"))
