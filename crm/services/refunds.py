"""Refunds: where the customer's money is, and the shop's cancellation and refund rules."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from crm.models import Order, OrderStatus
from crm.services.delivery import add_working_days
from crm.services.errors import OrderNotFound
from crm.services.orders import normalise_number
from crm.uow import UnitOfWork

# A refund is paid within this many working days of the return arriving (or the cancellation).
REFUND_WORKING_DAYS = 5
RETURN_WINDOW_DAYS = 30
# Orders whose money may be on its way back to the customer.
REFUND_STATUSES = (OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED)


class RefundState(enum.StrEnum):
    REFUNDED = "refunded"
    PENDING = "pending"  # returned or cancelled after payment, refund not issued yet
    NOTHING_CHARGED = "nothing_charged"  # cancelled before payment
    NOTHING_TO_REFUND = "nothing_to_refund"  # the order is not cancelled or returned


@dataclass(frozen=True)
class RefundView:
    number: str
    order_status: OrderStatus
    state: RefundState
    amount: Decimal
    currency: str
    refunded_on: date | None = None
    expected_by: date | None = None
    overdue: bool = False


class CancellationFee(enum.StrEnum):
    FREE = "free"  # not shipped yet: cancel free of charge
    RETURN = "return"  # on its way or delivered: send it back within the return window
    NOT_APPLICABLE = "not_applicable"  # already cancelled, returned or refunded


# The shop's cancellation policy by order state: one table, read by replies and tests alike.
CANCELLATION_POLICY: dict[OrderStatus, CancellationFee] = {
    OrderStatus.PLACED: CancellationFee.FREE,
    OrderStatus.PAID: CancellationFee.FREE,
    OrderStatus.SHIPPED: CancellationFee.RETURN,
    OrderStatus.DELIVERED: CancellationFee.RETURN,
    OrderStatus.CANCELLED: CancellationFee.NOT_APPLICABLE,
    OrderStatus.RETURNED: CancellationFee.NOT_APPLICABLE,
    OrderStatus.REFUNDED: CancellationFee.NOT_APPLICABLE,
}


@dataclass(frozen=True)
class CancellationFeeView:
    number: str
    status: OrderStatus
    fee: CancellationFee


def refund_status(uow: UnitOfWork, customer_id: int, number: str | None, now: datetime) -> RefundView:
    """The refund state of the named order, or of the customer's latest cancelled/returned one.

    Raises `OrderNotFound` for an unknown (or someone else's) number, or when no number is
    given and the customer has no order at all.
    """
    with uow:
        if number is not None:
            order = uow.orders.by_number_for(customer_id, normalise_number(number))
        else:
            # The one whose cancellation, return or refund happened last: what "my refund" means.
            candidates = uow.orders.recent_for(customer_id, REFUND_STATUSES, limit=10)
            order = max(candidates, key=_last_change, default=None) or uow.orders.latest_for(customer_id)
        if order is None:
            raise OrderNotFound(number or "latest")
        return _refund_view(order, now.date())


def cancellation_fee(uow: UnitOfWork, customer_id: int, number: str) -> CancellationFeeView:
    with uow:
        order = uow.orders.by_number_for(customer_id, normalise_number(number))
        if order is None:
            raise OrderNotFound(number)
        return CancellationFeeView(order.number, order.status, CANCELLATION_POLICY[order.status])


def _last_change(order: Order) -> datetime:
    return order.history[-1].occurred_at if order.history else order.placed_at


def _refund_view(order: Order, today: date) -> RefundView:
    paid = sum((invoice.amount for invoice in order.invoices), Decimal("0")) or sum(
        (line.unit_price * line.quantity for line in order.lines), Decimal("0")
    )
    view = RefundView(order.number, order.status, RefundState.NOTHING_TO_REFUND, paid, order.currency)
    moments = {event.status: event.occurred_at for event in order.history}
    if OrderStatus.REFUNDED in moments:
        return replace(view, state=RefundState.REFUNDED, refunded_on=moments[OrderStatus.REFUNDED].date())
    due_from = moments.get(OrderStatus.RETURNED)
    if due_from is None and OrderStatus.CANCELLED in moments:
        if OrderStatus.PAID not in moments:
            return replace(view, state=RefundState.NOTHING_CHARGED, amount=Decimal("0"))
        due_from = moments[OrderStatus.CANCELLED]
    if due_from is None:
        return view
    expected_by = add_working_days(due_from.date(), REFUND_WORKING_DAYS)
    return replace(view, state=RefundState.PENDING, expected_by=expected_by, overdue=today > expected_by)
