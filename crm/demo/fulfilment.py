"""What happens to an order after it is placed: payment, shipping, delivery, cancels and returns.

The warehouse is in Germany: it ships on working days, and the promise a customer sees counts
working days from payment. Timelines run past `as_of` and are then cut, so orders placed in the
last days are naturally still placed, paid or in transit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from crm.demo.people import fill_pattern
from crm.demo.purchases import PlannedOrder, Purpose
from crm.models.enums import OrderStatus

# The shop's own promises, so demo deliveries are late or on time by the rules customers hear.
from crm.services.delivery import TRANSIT_DAYS, add_working_days

LATE_SHARE = 0.05
DEFECT_SHARE = 0.02
RETURN_SHARE = 0.015
CANCEL_UNPAID_SHARE = 0.015
CANCEL_PAID_SHARE = 0.01
# Orders paid after this UTC hour on a working day leave the warehouse the next working day.
SHIPPING_CUTOFF_HOUR = 11

CARRIERS: dict[str, tuple[str, ...]] = {
    "Germany": ("DHL", "DHL", "DPD", "GLS", "Hermes"),
    "Austria": ("Austrian Post", "DPD", "GLS"),
    "Switzerland": ("Swiss Post", "DHL"),
    "United Kingdom": ("DPD", "Royal Mail", "UPS"),
    "Ireland": ("An Post", "DPD"),
    "United States": ("UPS", "FedEx"),
    "Singapore": ("DHL Express", "FedEx"),
    "France": ("Colissimo", "Chronopost", "DPD"),
    "Belgium": ("bpost", "DPD", "PostNL"),
    "Spain": ("SEUR", "Correos", "GLS"),
    "Italy": ("BRT", "GLS", "Poste Italiane"),
    "Poland": ("InPost", "DPD", "DHL"),
    "Netherlands": ("PostNL", "PostNL", "DHL"),
}
TRACKING_PATTERNS: dict[str, str] = {
    "DHL": "JJD00##############", "DHL Express": "##########", "DPD": "0##############",
    "GLS": "###########", "Hermes": "H10############", "UPS": "1Z@@@###03########",
    "FedEx": "############", "PostNL": "3S@@@@#########", "Royal Mail": "@@########GB",
    "Colissimo": "6A###########", "Chronopost": "XW#########FR", "SEUR": "#############",
    "Correos": "PQ###########ES", "BRT": "###############", "Poste Italiane": "RR#########IT",
    "InPost": "6##################", "bpost": "323##############", "An Post": "@@#########IE",
    "Austrian Post": "1#################", "Swiss Post": "99.##.######.########",
}  # fmt: skip

Event = tuple[OrderStatus, datetime, str | None]


@dataclass(frozen=True)
class Fulfilment:
    """An order's history as seen at `as_of`, and what a customer may complain about."""

    events: tuple[Event, ...]
    carrier: str | None = None
    tracking_number: str | None = None
    promised_on: date | None = None
    late: bool = False  # delivered after the promise, or still travelling past it at as_of
    defect: str | None = None  # "damaged item" or "wrong item"
    refund_wait_days: int = 0

    @property
    def status(self) -> OrderStatus:
        return self.events[-1][0]

    def when(self, status: OrderStatus) -> datetime | None:
        return next((moment for event, moment, _ in self.events if event is status), None)


def _at(
    rng: random.Random, day: date, first_hour: int, last_hour: int, utc_offset_hours: int = 0
) -> datetime:
    """A moment between two local hours of `day`, as UTC, on the same UTC date.

    Keeping the UTC date equal to the local one means "delivered after the promised day" reads
    the same whether one compares in UTC or in the customer's time zone.
    """
    first, last = max(first_hour, utc_offset_hours), min(last_hour, 23 + utc_offset_hours)
    local = datetime.combine(day, time(rng.randint(first, last), rng.randrange(60)), UTC)
    return local - timedelta(hours=utc_offset_hours)


def _cut(events: list[Event], as_of: datetime) -> tuple[Event, ...]:
    return tuple(event for event in events if event[1] <= as_of)


def fulfil(
    rng: random.Random, order: PlannedOrder, country: str, utc_offset_hours: int, as_of: datetime
) -> Fulfilment:
    """A random but believable life for `order` (services are visits, not parcels)."""
    placed = order.placed_at
    events: list[Event] = [(OrderStatus.PLACED, placed, None)]
    cancellable = order.purpose in (Purpose.CONSUMABLE, Purpose.EXTRA)
    if cancellable and rng.random() < CANCEL_UNPAID_SHARE:
        cancelled = placed + timedelta(hours=rng.uniform(1, 72))
        events.append((OrderStatus.CANCELLED, cancelled, "Payment not completed"))
        return Fulfilment(_cut(events, as_of))

    if rng.random() < 0.85:
        paid = placed + timedelta(minutes=rng.uniform(1, 15))
        events.append((OrderStatus.PAID, paid, "Card payment received"))
    else:
        paid = placed + timedelta(hours=rng.uniform(3, 50))
        events.append((OrderStatus.PAID, paid, "Bank transfer received"))

    if order.purpose is Purpose.SERVICE:
        visit_on = add_working_days(paid.date(), rng.randint(3, 10))
        events.append(
            (OrderStatus.DELIVERED, _at(rng, visit_on, 9, 16, utc_offset_hours), "Service visit done")
        )
        return Fulfilment(_cut(events, as_of), promised_on=visit_on)

    transit_min, transit_max = TRANSIT_DAYS[country]
    promised_on = add_working_days(paid.date(), 1 + transit_max)
    if cancellable and rng.random() < CANCEL_PAID_SHARE:
        cancelled = paid + timedelta(hours=rng.uniform(0.5, 20))
        events.append((OrderStatus.CANCELLED, cancelled, "Cancelled by customer before shipping"))
        events.append((OrderStatus.REFUNDED, cancelled + timedelta(days=rng.uniform(1, 4)), "Refund issued"))
        return Fulfilment(_cut(events, as_of))

    ships_today = paid.weekday() < 5 and paid.hour < SHIPPING_CUTOFF_HOUR
    ship_on = paid.date() if ships_today else add_working_days(paid.date(), 1)
    shipped = _at(rng, ship_on, 14, 18)
    carrier = rng.choice(CARRIERS[country])
    tracking = fill_pattern(rng, TRACKING_PATTERNS[carrier])
    events.append((OrderStatus.SHIPPED, shipped, f"Handed to {carrier}"))

    late = rng.random() < LATE_SHARE
    if late:
        deliver_on = promised_on + timedelta(days=rng.randint(1, 6))
        if deliver_on.weekday() == 6:  # no deliveries on Sundays
            deliver_on += timedelta(days=1)
    else:
        deliver_on = add_working_days(ship_on, rng.randint(transit_min, transit_max))
    delivered = _at(rng, deliver_on, 8, 18, utc_offset_hours)
    events.append((OrderStatus.DELIVERED, delivered, f"Delivered by {carrier}"))

    defect = None
    if rng.random() < DEFECT_SHARE:
        defect = rng.choice(("damaged item", "damaged item", "wrong item"))
    refund_wait = 0
    returns = (defect is not None and rng.random() < 0.5) or rng.random() < RETURN_SHARE
    if cancellable and returns:
        returned = delivered + timedelta(days=rng.uniform(2, 20))
        # Most refunds take days; a few get stuck for weeks, which is what customers chase.
        refund_wait = rng.randint(1, 5) if rng.random() < 0.8 else rng.randint(8, 25)
        events.append((OrderStatus.RETURNED, returned, "Return received at warehouse"))
        events.append((OrderStatus.REFUNDED, returned + timedelta(days=refund_wait), "Refund issued"))

    cut = _cut(events, as_of)
    # Lateness only counts once it is visible at as_of: the promise day is over.
    visibly_late = late and as_of.date() > promised_on
    shipped_yet = any(event[0] is OrderStatus.SHIPPED for event in cut)
    delivered_yet = any(event[0] is OrderStatus.DELIVERED for event in cut)
    return Fulfilment(
        cut,
        carrier=carrier if shipped_yet else None,
        tracking_number=tracking if shipped_yet else None,
        promised_on=promised_on,
        late=visibly_late,
        defect=defect if delivered_yet else None,
        refund_wait_days=refund_wait if any(event[0] is OrderStatus.RETURNED for event in cut) else 0,
    )
