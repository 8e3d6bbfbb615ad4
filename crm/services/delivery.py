"""When will it arrive, how can it be sent, and can its address still be changed.

The warehouse is in Germany and ships on working days; transit times are per destination
country (the same figures the demo shop's fulfilment uses, so answers match the seeded data).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from crm.models import Order, OrderStatus, OrderStatusEvent
from crm.services.errors import OrderNotFound
from crm.services.orders import CHANGEABLE_STATUSES, normalise_number
from crm.uow import UnitOfWork

WAREHOUSE_COUNTRY = "Germany"
# A paid order leaves the warehouse within this many working days.
SHIP_WITHIN_WORKING_DAYS = 1
# Working days in transit from the warehouse: (fastest, slowest).
TRANSIT_DAYS: dict[str, tuple[int, int]] = {
    "Germany": (1, 2), "Austria": (2, 3), "Switzerland": (2, 4), "Netherlands": (1, 3),
    "Belgium": (2, 3), "France": (2, 4), "Poland": (2, 4), "Italy": (3, 5), "Spain": (3, 5),
    "United Kingdom": (3, 5), "Ireland": (3, 6), "United States": (5, 8), "Singapore": (5, 9),
}  # fmt: skip
# Outside Europe: quoted separately in the general answer.
OVERSEAS = frozenset({"United States", "Singapore"})
# Countries not in the table: a cautious worldwide figure rather than no answer.
DEFAULT_ABROAD_TRANSIT = (5, 10)


@dataclass(frozen=True)
class DeliveryOption:
    name: str
    working_days: str
    price: str
    note: str


# What the shop offers; plain data so the reply and the tests read the same table.
DELIVERY_OPTIONS: tuple[DeliveryOption, ...] = (
    DeliveryOption("Standard", "1-2 (Germany), 2-6 (Europe)", "4.90 EUR, free from 50 EUR", "tracked parcel"),
    DeliveryOption("Express", "next working day (Germany, order by 11:00)", "9.90 EUR", "tracked, signed"),
    DeliveryOption("Parcel locker", "1-3 (Germany only)", "3.90 EUR", "collect with a PIN"),
    DeliveryOption("International", "5-10 (outside Europe)", "14.90 EUR", "tracked, customs paid by us"),
)
FREE_STANDARD_FROM = Decimal("50.00")


class DeliveryState(enum.StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"  # ships once paid
    PREPARING = "preparing"  # paid, not shipped yet
    IN_TRANSIT = "in_transit"
    LATE = "late"  # still travelling after the promised day
    DELIVERED = "delivered"
    NOT_COMING = "not_coming"  # cancelled, returned or refunded


@dataclass(frozen=True)
class DeliveryEstimate:
    number: str
    state: DeliveryState
    ship_country: str
    transit_days: tuple[int, int]
    earliest: date | None = None
    latest: date | None = None
    delivered_on: date | None = None
    shipped_on: date | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    # The carrier's proof of delivery, as recorded ("Delivered by DPD, left with neighbour").
    delivery_note: str | None = None


@dataclass(frozen=True)
class AddressChangeView:
    """Which of the customer's orders can still be re-addressed (no addresses: nothing to leak)."""

    changeable_orders: tuple[str, ...]
    shipped_orders: tuple[str, ...]


def transit_days(country: str) -> tuple[int, int]:
    return TRANSIT_DAYS.get(country, DEFAULT_ABROAD_TRANSIT)


def add_working_days(day: date, days: int) -> date:
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def latest_arrival(ship_country: str, shipped_on: date, promised_on: date | None) -> date:
    """The last day a shipped parcel is expected: the promise, else the slowest transit time.

    Shared with the proactive engine's delivery-risk predictor, so "late" means one thing.
    """
    return promised_on or add_working_days(shipped_on, transit_days(ship_country)[1])


def delivery_estimate(uow: UnitOfWork, customer_id: int, number: str | None, today: date) -> DeliveryEstimate:
    """When the customer's latest (or named) order arrives, from its state and destination.

    `today` is the customer's local date: one clock for every "expected" and "late".
    """
    with uow:
        if number is None:
            order = uow.orders.latest_for(customer_id)
        else:
            order = uow.orders.by_number_for(customer_id, normalise_number(number))
        if order is None:
            raise OrderNotFound(number or "latest")
        return _estimate(order, today)


def address_change_options(uow: UnitOfWork, customer_id: int) -> AddressChangeView:
    with uow:
        orders = uow.orders.recent_for(customer_id, (*CHANGEABLE_STATUSES, OrderStatus.SHIPPED), limit=5)
        return AddressChangeView(
            changeable_orders=tuple(o.number for o in orders if o.status in CHANGEABLE_STATUSES),
            shipped_orders=tuple(o.number for o in orders if o.status is OrderStatus.SHIPPED),
        )


def _estimate(order: Order, today: date) -> DeliveryEstimate:
    fastest, slowest = transit_days(order.ship_country)
    base = DeliveryEstimate(
        number=order.number,
        state=DeliveryState.NOT_COMING,
        ship_country=order.ship_country,
        transit_days=(fastest, slowest),
        carrier=order.carrier,
        tracking_number=order.tracking_number,
    )
    if order.status is OrderStatus.PLACED:
        return replace(base, state=DeliveryState.AWAITING_PAYMENT)
    if order.status is OrderStatus.PAID:
        leaves = add_working_days(today, SHIP_WITHIN_WORKING_DAYS)
        latest = order.promised_delivery_on or add_working_days(leaves, slowest)
        state = DeliveryState.LATE if today > latest else DeliveryState.PREPARING
        return replace(base, state=state, earliest=add_working_days(leaves, fastest), latest=latest)
    if order.status is OrderStatus.SHIPPED:
        shipped = _when(order, OrderStatus.SHIPPED) or order.placed_at
        earliest = add_working_days(shipped.date(), fastest)
        latest = latest_arrival(order.ship_country, shipped.date(), order.promised_delivery_on)
        state = DeliveryState.LATE if today > latest else DeliveryState.IN_TRANSIT
        return replace(
            base, state=state, earliest=max(earliest, today), latest=latest, shipped_on=shipped.date()
        )
    if order.status is OrderStatus.DELIVERED:
        delivered = _event(order, OrderStatus.DELIVERED)
        return replace(
            base,
            state=DeliveryState.DELIVERED,
            delivered_on=delivered.occurred_at.date() if delivered else None,
            delivery_note=delivered.note if delivered else None,
        )
    return base


def _when(order: Order, status: OrderStatus) -> datetime | None:
    event = _event(order, status)
    return event.occurred_at if event else None


def _event(order: Order, status: OrderStatus) -> OrderStatusEvent | None:
    return next((event for event in reversed(order.history) if event.status is status), None)
