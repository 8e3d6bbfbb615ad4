"""Customer C00001, the README's walkthrough customer: the same story for every seed.

The README (and anyone demoing the bot) says "log in as C00001 and ask where your order is":
that only works if C00001's history is fixed rather than left to the random generator.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from crm.demo.catalog import BY_SKU
from crm.demo.fulfilment import TRACKING_PATTERNS, Fulfilment
from crm.demo.people import Person, fill_pattern
from crm.demo.purchases import CustomerPlan, CustomerTruth, PlannedDevice, PlannedOrder, Purpose
from crm.models.enums import Channel, MessageStyle, OrderStatus

SHOWCASE_REF = "C00001"
SHOWCASE_CUSTOMER = 1  # the placeholder key of C00001
MACHINE_AGE_DAYS = 350  # the CM-100 wants its yearly service 365 days after purchase
CAPSULE_EVERY_DAYS = 27
SHOWCASE_CARRIER = "DPD"
# Separate from the shop's seed on purpose: C00001 must not change when the seed does.
_SHOWCASE_RANDOM_SEED = 10001

SHOWCASE_PERSON = Person(
    name="Emma Clarke",
    first_name="Emma",
    surname="Clarke",
    phone="+44 7700 900123",  # Ofcom's range reserved for fiction
    country="United Kingdom",
    language="en",
    city="London",
    postcode="SW4 7AA",
    street="14 Park Avenue",
    time_zone="Europe/London",
    utc_offset_hours=0,
)
SHOWCASE_PREFERENCES = {
    "preferred_channel": Channel.WEB,
    "quiet_hours_start": time(21, 0),
    "quiet_hours_end": time(8, 0),
    "max_proactive_per_week": 2,
    "message_style": MessageStyle.SHORT,
}


def _delivered(rng: random.Random, placed: datetime) -> Fulfilment:
    tracking = fill_pattern(rng, TRACKING_PATTERNS[SHOWCASE_CARRIER])
    return Fulfilment(
        events=(
            (OrderStatus.PLACED, placed, None),
            (OrderStatus.PAID, placed + timedelta(minutes=4), "Card payment received"),
            (OrderStatus.SHIPPED, placed + timedelta(hours=20), f"Handed to {SHOWCASE_CARRIER}"),
            (OrderStatus.DELIVERED, placed + timedelta(hours=68), f"Delivered by {SHOWCASE_CARRIER}"),
        ),
        carrier=SHOWCASE_CARRIER,
        tracking_number=tracking,
        promised_on=(placed + timedelta(days=4)).date(),
    )


def _in_transit(rng: random.Random, placed: datetime, as_of: datetime) -> Fulfilment:
    return Fulfilment(
        events=(
            (OrderStatus.PLACED, placed, None),
            (OrderStatus.PAID, placed + timedelta(minutes=4), "Card payment received"),
            (OrderStatus.SHIPPED, as_of - timedelta(hours=26), f"Handed to {SHOWCASE_CARRIER}"),
        ),
        carrier=SHOWCASE_CARRIER,
        tracking_number=fill_pattern(rng, TRACKING_PATTERNS[SHOWCASE_CARRIER]),
        promised_on=(as_of + timedelta(days=1)).date(),
    )


def plan_showcase(as_of: datetime) -> tuple[datetime, CustomerPlan]:
    """C00001's signup moment and orders, whatever the seed.

    - a Barista Compact capsule machine (CM-100) bought 350 days before `as_of` and never
      serviced, so its yearly service falls due 15 days after `as_of`;
    - capsules reordered every 27 days (a descaler halfway), all delivered on time;
    - the LATEST order (two capsule packs, placed two days ago) is shipped with DPD, has a
      tracking number, and is promised for the day after `as_of`.
    """
    rng = random.Random(_SHOWCASE_RANDOM_SEED)
    machine, capsules, descaler = BY_SKU["CM-100"], BY_SKU["CAP-50"], BY_SKU["DSC-2"]
    bought = as_of - timedelta(days=MACHINE_AGE_DAYS, hours=3)
    created_at = bought - timedelta(minutes=10)
    device_order = PlannedOrder(SHOWCASE_CUSTOMER, bought, [(machine, 1), (capsules, 1)], Purpose.DEVICE)
    device_order.fixed = _delivered(rng, bought)
    device = PlannedDevice(SHOWCASE_CUSTOMER, machine, device_order)
    orders = [device_order]
    # Counted back from the in-transit order, so the rhythm ends exactly two days ago.
    days_back = list(range(2 + CAPSULE_EVERY_DAYS, MACHINE_AGE_DAYS - 10, CAPSULE_EVERY_DAYS))
    for index, days in enumerate(sorted(days_back, reverse=True)):
        placed = as_of - timedelta(days=days, hours=3)
        lines = [(capsules, 1)] + ([(descaler, 1)] if index == len(days_back) // 2 else [])
        order = PlannedOrder(SHOWCASE_CUSTOMER, placed, lines, Purpose.CONSUMABLE)
        order.fixed = _delivered(rng, placed)
        orders.append(order)
    latest_placed = as_of - timedelta(days=2, hours=3)
    latest = PlannedOrder(SHOWCASE_CUSTOMER, latest_placed, [(capsules, 2)], Purpose.CONSUMABLE)
    latest.fixed = _in_transit(rng, latest_placed, as_of)
    orders.append(latest)
    truth = CustomerTruth(CAPSULE_EVERY_DAYS / (capsules.use_up_days or 1), None, books_service=False)
    return created_at, CustomerPlan(orders, [device], truth)


def showcase_review(order_key: int, product_key: int, delivered_at: datetime) -> dict[str, object]:
    """C00001 liked the machine: a review the README can point at."""
    return {
        "customer_id": SHOWCASE_CUSTOMER,
        "order_id": order_key,
        "product_id": product_key,
        "rating": 5,
        "text": "Lovely little machine, quick delivery. Capsules arrive before I run out.",
        "created_at": delivered_at + timedelta(days=5),
    }
