"""When will each customer run out of each consumable they buy?

From the customer's own rhythm: the days between two purchases divided by the packs bought the
first time give days per pack. With a short history that figure is noisy, so it is shrunk toward
the product's typical days per pack (its `use_up_days`, else the median over all customers),
empirical-Bayes style: weight n / (n + PRIOR_WEIGHT) on the customer's own n intervals. The run-out
date is the last purchase plus the packs bought then times the shrunk days per pack.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby, pairwise

from sqlalchemy import select

from crm.models import Product, ProductKind
from crm.uow import UnitOfWork
from proactive.predictors.base import Candidate, aware, day_text

# How many intervals' worth of belief the product's typical rhythm carries.
PRIOR_WEIGHT = 2.0
# Purchases this close together are one purchase (two orders the same evening).
SAME_PURCHASE = timedelta(hours=24)
# Overdue by more than this: they buy elsewhere or stopped; a reminder would be noise.
MAX_OVERDUE_DAYS = 14
# A product needs this many intervals across all customers before its median stands as a prior.
MIN_POPULATION_INTERVALS = 5
BASE_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Rhythm:
    """One customer's rhythm for one product."""

    purchases: int
    intervals: int
    own_days_per_unit: float | None  # None with a single purchase
    days_per_unit: float  # shrunk toward the product's typical rhythm
    last_at: datetime
    last_quantity: int
    run_out_at: datetime
    confidence: float


def rhythm(purchases: Sequence[tuple[datetime, int]], typical_days_per_unit: float) -> Rhythm:
    """The rhythm of one customer and product from (placed_at, quantity) pairs, oldest first."""
    merged = _merged(purchases)
    intervals = [
        ((later - earlier).total_seconds() / 86400, quantity)
        for (earlier, quantity), (later, _) in pairwise(merged)
    ]
    n = len(intervals)
    own = sum(days for days, _ in intervals) / sum(q for _, q in intervals) if n else None
    weight = n / (n + PRIOR_WEIGHT)
    shrunk = weight * own + (1 - weight) * typical_days_per_unit if own is not None else typical_days_per_unit
    last_at, last_quantity = merged[-1]
    per_unit = [days / quantity for days, quantity in intervals]
    # Steady rhythms earn trust; erratic ones (a coefficient of variation near 1) do not.
    steadiness = 0.5 if n < 2 else max(0.0, 1.0 - statistics.pstdev(per_unit) / statistics.fmean(per_unit))
    return Rhythm(
        purchases=len(merged),
        intervals=n,
        own_days_per_unit=own,
        days_per_unit=shrunk,
        last_at=last_at,
        last_quantity=last_quantity,
        run_out_at=last_at + timedelta(days=shrunk * last_quantity),
        confidence=round(min(1.0, BASE_CONFIDENCE + (1 - BASE_CONFIDENCE) * weight * steadiness), 3),
    )


def candidates(
    uow: UnitOfWork,
    as_of: datetime,
    *,
    horizon_days: int = 3,
    max_overdue_days: int = MAX_OVERDUE_DAYS,
) -> list[Candidate]:
    """Customers who run out of a consumable between `max_overdue_days` ago and `horizon_days` ahead.

    Reads only purchases placed up to `as_of` (cancelled, returned and refunded ones never
    count), so a replay of a past day sees that day's history. Call inside `with uow:`.
    """
    products = {
        row.id: row
        for row in uow.session.execute(
            select(Product.id, Product.name, Product.use_up_days).where(
                Product.kind == ProductKind.CONSUMABLE
            )
        )
    }
    history = uow.orders.consumable_history(as_of)
    by_pair = {
        pair: [(aware(placed_at), quantity) for _, _, quantity, placed_at in rows]
        for pair, rows in groupby(history, key=lambda row: (row[0], row[1]))
    }
    typical = _typical_days_per_unit(by_pair, {pid: p.use_up_days for pid, p in products.items()})
    earliest = as_of - timedelta(days=max_overdue_days)
    latest = as_of + timedelta(days=horizon_days)
    found: list[Candidate] = []
    for (customer_id, product_id), purchases in by_pair.items():
        prior = typical.get(product_id)
        if prior is None:
            continue
        found_rhythm = rhythm(purchases, prior)
        if not earliest <= found_rhythm.run_out_at <= latest:
            continue
        found.append(_candidate(customer_id, product_id, products[product_id].name, found_rhythm, as_of))
    return found


def _candidate(customer_id: int, product_id: int, name: str, found: Rhythm, as_of: datetime) -> Candidate:
    return Candidate(
        customer_id=customer_id,
        subject=f"product:{product_id}",
        due_at=found.run_out_at,
        confidence=found.confidence,
        facts={
            "product_id": product_id,
            "product": name,
            "quantity": found.last_quantity,
            "days_since": (as_of - found.last_at).days,
            "usual_days": round(found.days_per_unit * found.last_quantity),
            "due_date": found.run_out_at.date().isoformat(),
            "due_day": day_text(found.run_out_at.date()),
            "purchases": found.purchases,
        },
    )


def _merged(purchases: Sequence[tuple[datetime, int]]) -> list[tuple[datetime, int]]:
    merged: list[tuple[datetime, int]] = []
    for placed_at, quantity in sorted(purchases):
        if merged and placed_at - merged[-1][0] < SAME_PURCHASE:
            merged[-1] = (merged[-1][0], merged[-1][1] + quantity)
        else:
            merged.append((placed_at, quantity))
    return merged


def _typical_days_per_unit(
    by_pair: dict[tuple[int, int], list[tuple[datetime, int]]], use_up_days: dict[int, int | None]
) -> dict[int, float]:
    """The product's typical days per unit: the catalogue's figure, else the customers' median."""
    observed: dict[int, list[float]] = {}
    for (_, product_id), purchases in by_pair.items():
        if use_up_days.get(product_id):
            continue  # the catalogue knows; no need to estimate
        merged = _merged(purchases)
        observed.setdefault(product_id, []).extend(
            (later - earlier).total_seconds() / 86400 / quantity
            for (earlier, quantity), (later, _) in pairwise(merged)
        )
    typical: dict[int, float] = {}
    for product_id, days in use_up_days.items():
        if days:
            typical[product_id] = float(days)
        elif len(observed.get(product_id, ())) >= MIN_POPULATION_INTERVALS:
            typical[product_id] = statistics.median(observed[product_id])
    return typical
