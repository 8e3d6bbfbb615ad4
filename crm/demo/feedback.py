"""What customers say back: reviews after delivery, complaints when something went wrong, questions.

Ratings and complaints follow the order's fate (late, damaged, refund stuck), so the store's
satisfaction and complaint metrics move with the things a proactive assistant can prevent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from crm.demo.fulfilment import Fulfilment
from crm.demo.purchases import Purpose
from crm.models.enums import CaseKind, CaseStatus, OrderStatus

REVIEW_SHARE = 0.25
RATING_WEIGHTS = {5: 52, 4: 28, 3: 10, 2: 5, 1: 5}
COMPLAINT_AFTER = {"late delivery": 0.35, "defect": 0.6, "refund delay": 0.5, "low rating": 0.3}
QUESTION_SHARE = 0.04
# Cases opened this recently are often still being worked on at as_of.
RECENT_CASE_DAYS = 7

REVIEW_TEXTS: dict[int, tuple[str, ...]] = {
    5: ("Excellent {product}, does exactly what it should.",
        "Fast delivery and the {product} works perfectly.",
        "Very happy with the {product}. Would buy again.", "Great quality, great price."),
    4: ("Good {product}, arrived as described.", "Works well, packaging could be smaller.",
        "Solid {product}, delivery took a day longer than I hoped."),
    3: ("The {product} is okay, nothing special.", "Does the job, but the price is a bit high.",
        "Average. Delivery was slower than promised."),
    2: ("Disappointed with the {product}.", "Arrived late and the box was dented.",
        "Not as described; support was slow to answer."),
    1: ("The {product} arrived damaged. Very unhappy.", "Wrong item delivered and waited ages for a fix.",
        "Parcel was days late and nobody told me anything."),
}  # fmt: skip
CASE_TEXTS: dict[str, str] = {
    "late delivery": "My order {number} was promised for {promised} and has still not arrived ({carrier}).",
    "damaged item": "Order {number} arrived damaged: the {product} is unusable. Please send a replacement.",
    "wrong item": "I received the wrong item in order {number}; I ordered the {product}.",
    "refund delay": "I returned order {number} more than a week ago and still have no refund.",
    "product not as expected": "The {product} from order {number} does not work as described.",
}
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("descaling", "How often should I descale my machine, and which descaler fits it?"),
    ("warranty", "Is my device still under warranty? It makes a strange noise."),
    ("delivery address", "Can I change the delivery address for future orders?"),
    ("invoice copy", "Could you send me a copy of my last invoice?"),
    ("subscription", "Can I get consumables delivered automatically every month?"),
)

Row = dict[str, Any]


@dataclass(frozen=True)
class OrderFacts:
    """One generated order, as much as feedback needs to know about it."""

    key: int
    number: str
    customer: int
    product: int  # the placeholder key of the order's main product
    product_name: str
    purpose: Purpose
    fulfilment: Fulfilment


def review_for(rng: random.Random, order: OrderFacts, as_of: datetime) -> Row | None:
    """A review for a delivered order, or None (most customers never write one)."""
    delivered = order.fulfilment.when(OrderStatus.DELIVERED)
    # Service visits get no product review: the templates talk about goods and parcels.
    if delivered is None or order.purpose is Purpose.SERVICE or rng.random() >= REVIEW_SHARE:
        return None
    created = delivered + timedelta(days=rng.uniform(0.5, 21))
    if created > as_of:
        return None
    rating = rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))[0]
    if order.fulfilment.late:
        rating -= rng.randint(1, 2)
    if order.fulfilment.defect:
        rating = rng.randint(1, 2)
    rating = min(max(rating, 1), 5)
    text = rng.choice(REVIEW_TEXTS[rating]).format(product=order.product_name)
    return {
        "customer_id": order.customer,
        "order_id": order.key,
        "product_id": order.product,
        "rating": rating,
        "text": text,
        "created_at": created,
    }


def complaints_for(rng: random.Random, order: OrderFacts, review: Row | None, as_of: datetime) -> list[Row]:
    """Complaints an order provokes: at most one per order, for its worst problem."""
    fulfilment = order.fulfilment
    opened: datetime | None = None
    topic = ""
    if fulfilment.defect and rng.random() < COMPLAINT_AFTER["defect"]:
        delivered = fulfilment.when(OrderStatus.DELIVERED)
        assert delivered is not None
        topic, opened = fulfilment.defect, delivered + timedelta(hours=rng.uniform(1, 72))
    elif fulfilment.late and fulfilment.promised_on and rng.random() < COMPLAINT_AFTER["late delivery"]:
        day_after = datetime.combine(fulfilment.promised_on + timedelta(days=1), time(7), UTC)
        topic, opened = "late delivery", day_after + timedelta(hours=rng.uniform(0, 36))
    elif fulfilment.refund_wait_days > 7 and rng.random() < COMPLAINT_AFTER["refund delay"]:
        returned = fulfilment.when(OrderStatus.RETURNED)
        assert returned is not None
        topic, opened = (
            "refund delay",
            returned + timedelta(days=rng.uniform(7.5, fulfilment.refund_wait_days)),
        )
    elif review is not None and review["rating"] <= 2 and rng.random() < COMPLAINT_AFTER["low rating"]:
        topic, opened = (
            "product not as expected",
            review["created_at"] + timedelta(hours=rng.uniform(0.2, 48)),
        )
    if opened is None or opened > as_of:
        return []
    description = CASE_TEXTS[topic].format(
        number=order.number,
        promised=fulfilment.promised_on,
        carrier=fulfilment.carrier or "carrier unknown",
        product=order.product_name,
    )
    return [_case(rng, order.customer, order.key, CaseKind.COMPLAINT, topic, description, opened, as_of)]


def question_for(rng: random.Random, customer: int, created_at: datetime, as_of: datetime) -> Row | None:
    """Now and then a customer just asks something."""
    if rng.random() >= QUESTION_SHARE:
        return None
    topic, text = rng.choice(QUESTIONS)
    opened = created_at + (as_of - created_at) * rng.random()
    return _case(rng, customer, None, CaseKind.QUESTION, topic, text, opened, as_of)


def _case(
    rng: random.Random,
    customer: int,
    order: int | None,
    kind: CaseKind,
    topic: str,
    description: str,
    opened: datetime,
    as_of: datetime,
) -> Row:
    """A case row (numbered later, in opening order), settled as far as as_of allows."""
    status, closed = CaseStatus.OPEN, None
    still_open = as_of - opened < timedelta(days=RECENT_CASE_DAYS) and rng.random() < 0.6
    if not still_open:
        closes = opened + timedelta(hours=rng.lognormvariate(2.5, 1.0))
        if closes <= as_of:
            status, closed = CaseStatus.CLOSED, closes
    if status is CaseStatus.OPEN and rng.random() < 0.3:
        status = CaseStatus.WAITING_AGENT
    return {
        "customer_id": customer,
        "order_id": order,
        "kind": kind,
        "topic": topic,
        "description": description,
        "status": status,
        "opened_at": opened,
        "closed_at": closed,
    }
