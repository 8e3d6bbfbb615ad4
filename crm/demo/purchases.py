"""What each customer buys and when: devices, then consumables at their own rhythm, services, extras.

Planning knows nothing about payment or shipping (see `fulfilment`); it decides only the moments
a customer places an order, which is what a replenishment predictor has to learn.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from crm.demo.catalog import BY_SKU, DEVICES, EXTRAS, CatalogItem, consumables_for

if TYPE_CHECKING:
    from crm.demo.fulfilment import Fulfilment

HISTORY_DAYS = 730
CHURN_SHARE = 0.20
SECOND_DEVICE_SHARE = 0.35
STARTER_PACK_SHARE = 0.5
# Per-customer consumption speed: lognormal around 1, so "twice as fast" and "twice as slow"
# are equally likely; clamped so nobody buys capsules daily or once a year.
RHYTHM_SIGMA = 0.3
RHYTHM_BOUNDS = (0.45, 2.2)
PURCHASE_NOISE = 0.15
QUANTITY_WEIGHTS = {1: 0.55, 2: 0.30, 3: 0.15}
# A due refill that never reaches us (bought in a supermarket): the gap doubles.
BOUGHT_ELSEWHERE_SHARE = 0.04
EXTRA_ORDERS_PER_YEAR = 0.35
ADD_ON_SHARE = 0.05
SERVICE_BOOKING = {True: 0.65, False: 0.12}  # by whether the customer looks after devices
# Local hours people shop at, with weights: evenings are busiest.
SHOPPING_HOURS = (7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23)
SHOPPING_WEIGHTS = (1, 2, 3, 4, 4, 5, 5, 4, 4, 4, 5, 6, 8, 9, 8, 5, 2)


class Purpose(enum.StrEnum):
    DEVICE = "device"
    CONSUMABLE = "consumable"
    SERVICE = "service"
    EXTRA = "extra"


@dataclass(frozen=True)
class CustomerTruth:
    """Hidden facts behind a customer's history: what a predictor should recover. Not stored."""

    consumption_factor: float  # > 1 means slower: each unit lasts that many times longer
    churned_at: datetime | None
    books_service: bool


@dataclass(eq=False)
class PlannedDevice:
    customer: int
    item: CatalogItem
    order: PlannedOrder
    last_service_on: date | None = None


@dataclass(eq=False)
class PlannedOrder:
    customer: int
    placed_at: datetime
    lines: list[tuple[CatalogItem, int]]
    purpose: Purpose
    serviced_device: PlannedDevice | None = None
    # A scripted outcome instead of a random one (the showcase customer).
    fixed: Fulfilment | None = None


@dataclass
class CustomerPlan:
    orders: list[PlannedOrder]
    devices: list[PlannedDevice]
    truth: CustomerTruth


def local_moment(rng: random.Random, day: date, utc_offset_hours: int) -> datetime:
    """A plausible shopping moment on local `day`, as UTC."""
    hour = rng.choices(SHOPPING_HOURS, weights=SHOPPING_WEIGHTS)[0]
    local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), UTC)
    return local - timedelta(hours=utc_offset_hours)


def signup_moment(rng: random.Random, as_of: datetime, utc_offset_hours: int) -> datetime:
    """When a new customer signs up, spread over the history window (never in the future)."""
    start = as_of - timedelta(days=HISTORY_DAYS)
    moment = local_moment(
        rng, (start + timedelta(days=rng.uniform(0, HISTORY_DAYS - 1))).date(), utc_offset_hours
    )
    return min(max(moment, start), as_of - timedelta(hours=1))


def plan_customer(
    rng: random.Random, customer: int, created_at: datetime, as_of: datetime, utc_offset_hours: int
) -> CustomerPlan:
    """Every order one customer places from signup until `as_of` (or until they churn)."""
    factor = min(max(rng.lognormvariate(0.0, RHYTHM_SIGMA), RHYTHM_BOUNDS[0]), RHYTHM_BOUNDS[1])
    churned_at = None
    lifetime = (as_of - created_at).total_seconds()
    if rng.random() < CHURN_SHARE and lifetime > 60 * 86400:
        churned_at = created_at + timedelta(seconds=rng.uniform(30 * 86400, lifetime))
    truth = CustomerTruth(factor, churned_at, books_service=rng.random() < 0.4)
    end = churned_at or as_of
    planner = _Planner(rng, customer, truth, end, utc_offset_hours)

    first = rng.choices(DEVICES, weights=[device.popularity for device in DEVICES])[0]
    planner.buy_device(first, created_at + timedelta(minutes=rng.uniform(4, 40)))
    if rng.random() < SECOND_DEVICE_SHARE:
        others = [device for device in DEVICES if device.sku != first.sku]
        second = rng.choices(others, weights=[device.popularity for device in others])[0]
        when = planner.moment(created_at + timedelta(days=rng.uniform(7, max(8.0, (end - created_at).days))))
        if when is not None:
            planner.buy_device(second, when)
    planner.extras(created_at)
    return CustomerPlan(planner.orders, planner.devices, truth)


class _Planner:
    def __init__(
        self, rng: random.Random, customer: int, truth: CustomerTruth, end: datetime, offset: int
    ) -> None:
        self.rng = rng
        self.customer = customer
        self.truth = truth
        self.end = end
        self.offset = offset
        self.orders: list[PlannedOrder] = []
        self.devices: list[PlannedDevice] = []

    def _order(
        self, placed_at: datetime, lines: list[tuple[CatalogItem, int]], purpose: Purpose
    ) -> PlannedOrder:
        order = PlannedOrder(self.customer, placed_at, lines, purpose)
        self.orders.append(order)
        return order

    def moment(self, when: datetime) -> datetime | None:
        moment = local_moment(self.rng, when.date(), self.offset)
        return moment if moment <= self.end else None

    def buy_device(self, item: CatalogItem, placed_at: datetime) -> None:
        consumables = consumables_for(item.sku)
        lines = [(item, 1)]
        starter = bool(consumables) and self.rng.random() < STARTER_PACK_SHARE
        if starter:
            lines.append((consumables[0], 1))
        order = self._order(placed_at, lines, Purpose.DEVICE)
        device = PlannedDevice(self.customer, item, order)
        self.devices.append(device)
        for index, consumable in enumerate(consumables):
            # The box holds one unit; a starter pack adds another before the first refill.
            in_hand = 2 if starter and index == 0 else 1
            self.refills(consumable, placed_at, in_hand)
        if item.service_interval_days:
            self.services(device, placed_at, item.service_interval_days)

    def _lasts(self, item: CatalogItem, units: int) -> timedelta:
        assert item.use_up_days is not None
        noise = self.rng.uniform(1 - PURCHASE_NOISE, 1 + PURCHASE_NOISE)
        return timedelta(days=item.use_up_days * units * self.truth.consumption_factor * noise)

    def refills(self, item: CatalogItem, since: datetime, units: int) -> None:
        """Reorders `item` whenever the customer's supply runs out, at their personal pace."""
        due = since + self._lasts(item, units)
        while due <= self.end:
            if self.rng.random() < BOUGHT_ELSEWHERE_SHARE:
                due += self._lasts(item, 1)
                continue
            placed_at = self.moment(due)
            if placed_at is None:
                return
            quantity = self.rng.choices(list(QUANTITY_WEIGHTS), weights=list(QUANTITY_WEIGHTS.values()))[0]
            lines = [(item, quantity)]
            if self.rng.random() < ADD_ON_SHARE:
                lines.append((self.rng.choice(EXTRAS), 1))
            self._order(placed_at, lines, Purpose.CONSUMABLE)
            due = placed_at + self._lasts(item, quantity)

    def services(self, device: PlannedDevice, since: datetime, interval_days: int) -> None:
        """Books the device's service around each due date, if this customer is the kind to."""
        assert device.item.service_sku is not None
        service = BY_SKU[device.item.service_sku]
        due = since + timedelta(days=interval_days)
        while due <= self.end:
            if self.rng.random() >= SERVICE_BOOKING[self.truth.books_service]:
                due += timedelta(days=interval_days)
                continue
            placed_at = self.moment(due + timedelta(days=self.rng.uniform(-21, 45)))
            if placed_at is None:
                return
            order = self._order(placed_at, [(service, 1)], Purpose.SERVICE)
            order.serviced_device = device
            due = placed_at + timedelta(days=interval_days)

    def extras(self, since: datetime) -> None:
        """Occasional purchases outside any rhythm: accessories, paper, cloths."""
        moment = since
        while True:
            moment += timedelta(days=self.rng.expovariate(EXTRA_ORDERS_PER_YEAR / 365))
            placed_at = self.moment(moment)
            if placed_at is None:
                return
            if placed_at < since:  # same local day as signup, but earlier in it
                continue
            self._order(placed_at, [(self.rng.choice(EXTRAS), self.rng.choice((1, 1, 2)))], Purpose.EXTRA)
