"""Personalised offers: which products would this customer want next?

Each product's text (name and category) is embedded with the bundled all-MiniLM-L6-v2
(`nlu.embeddings`, offline). A customer's taste is the mean of the embeddings of what they
bought, recent purchases weighing more (half-life `half_life_days`). A product's score blends its
cosine similarity to that taste with its recent popularity (distinct buyers over
`popularity_days`, log-scaled to 0..1):

    score = similarity_weight * cosine + (1 - similarity_weight) * popularity

Products the customer already bought, just now or ever, are never offered (running out of a
consumable is the replenishment trigger's business). The blend weight and half-life are fitted
on a training period in the backtest (`bench/backtest.py`), which also measures the ranking
against popularity alone (docs/outcomes.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import distinct, func, select

from crm.models import Order, OrderLine, OrderStatus, Product, ProductKind
from crm.uow import UnitOfWork
from nlu.embeddings import Embedder
from proactive.predictors.churn import day_number

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
# Customers ranked per matrix product: bounds memory at BATCH x products floats.
BATCH = 1024

# Purchases: lines of orders of a known customer, not cancelled, not credit lines.
_PURCHASED = (Order.customer_id.is_not(None), Order.status != OrderStatus.CANCELLED, OrderLine.quantity > 0)
# Customers per IN (...) list: SQLite's bound-parameter limit is lower than PostgreSQL's.
ID_CHUNK = 900


@dataclass(frozen=True)
class OfferParameters:
    similarity_weight: float = 0.5
    half_life_days: float = 30.0
    popularity_days: float = 91.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.similarity_weight <= 1.0 or self.half_life_days <= 0 or self.popularity_days <= 0:
            raise ValueError(f"bad offer parameters: {self}")


@dataclass(frozen=True)
class PurchaseLines:
    """One row per purchased line: the customer's row (0..customers-1), the product's row, the day."""

    customer: IntArray
    product: IntArray
    day: FloatArray


def taste_profiles(
    lines: PurchaseLines, embeddings: NDArray[np.float32], customers: int, as_of: float, half_life_days: float
) -> FloatArray:
    """(customers x dim) unit vectors: recency-weighted mean embedding of each customer's purchases."""
    past = lines.day < as_of
    weights = np.exp2(-(as_of - lines.day[past]) / half_life_days)
    profiles = np.zeros((customers, embeddings.shape[1]), dtype=np.float64)
    np.add.at(profiles, lines.customer[past], embeddings[lines.product[past]] * weights[:, None])
    norms = np.linalg.norm(profiles, axis=1, keepdims=True)
    unit: FloatArray = profiles / np.where(norms > 0, norms, 1.0)
    return unit


def popularity(lines: PurchaseLines, products: int, as_of: float, window_days: float) -> FloatArray:
    """log(1 + distinct buyers in the window before `as_of`), scaled so the most popular is 1."""
    recent = (lines.day < as_of) & (lines.day >= as_of - window_days)
    pairs = np.unique(lines.customer[recent].astype(np.int64) * products + lines.product[recent])
    return scaled_popularity(np.bincount(pairs % products, minlength=products).astype(np.float64))


def scaled_popularity(buyers: FloatArray) -> FloatArray:
    """log(1 + buyers), scaled so the most popular product is 1."""
    scaled = np.log1p(buyers)
    top = scaled.max() if scaled.size else 0.0
    result: FloatArray = scaled / top if top > 0 else scaled
    return result


def rank_offers(
    profiles: FloatArray,
    embeddings: NDArray[np.float32],
    popular: FloatArray,
    owned: PurchaseLines,
    params: OfferParameters,
    *,
    k: int = 5,
    offerable: NDArray[np.bool_] | None = None,
) -> tuple[IntArray, FloatArray]:
    """The top `k` products per customer row (best first) and their scores; never one they own.

    `owned` lists every (customer row, product row) already bought (days are ignored here);
    `offerable` masks products that may be offered at all (in stock, sold recently). A customer
    with no purchase has a zero profile and gets the popular products.
    """
    customers, products = profiles.shape[0], embeddings.shape[0]
    allowed = np.ones(products, dtype=bool) if offerable is None else offerable
    k = min(k, products)
    top = np.zeros((customers, k), dtype=np.int64)
    scores = np.zeros((customers, k), dtype=np.float64)
    order = np.argsort(owned.customer, kind="stable")
    owned_customer, owned_product = owned.customer[order], owned.product[order]
    for start in range(0, customers, BATCH):
        stop = min(start + BATCH, customers)
        score = params.similarity_weight * (profiles[start:stop] @ embeddings.T.astype(np.float64))
        score += (1 - params.similarity_weight) * popular[None, :]
        score[:, ~allowed] = -np.inf
        lo, hi = np.searchsorted(owned_customer, [start, stop])
        score[owned_customer[lo:hi] - start, owned_product[lo:hi]] = -np.inf
        best = np.argpartition(-score, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(score, best, axis=1)
        ranked = np.argsort(-best_scores, axis=1, kind="stable")
        top[start:stop] = np.take_along_axis(best, ranked, axis=1)
        scores[start:stop] = np.take_along_axis(best_scores, ranked, axis=1)
    return top, scores


@dataclass(frozen=True)
class Offer:
    customer_id: int
    product_id: int
    product: str
    score: float
    because: str | None  # the bought product it is most like, for the message's "why"


def product_text(name: str, category: str) -> str:
    return f"{name} ({category})"


def offer_candidates(
    uow: UnitOfWork,
    embedder: Embedder,
    as_of: datetime,
    *,
    customer_ids: Sequence[int],
    per_customer: int = 3,
    params: OfferParameters | None = None,
) -> list[Offer]:
    """Up to `per_customer` offers for each of `customer_ids`, from purchases before `as_of`.

    Services are never offered; popularity is over every customer's recent purchases.
    """
    params = params or OfferParameters()
    if not customer_ids:
        return []
    since = as_of - timedelta(days=params.popularity_days)
    with uow:
        catalogue = uow.session.execute(
            select(Product.id, Product.name, Product.category)
            .where(Product.kind != ProductKind.SERVICE)
            .order_by(Product.id)
        ).all()
        buyers = dict(
            uow.session.execute(
                select(OrderLine.product_id, func.count(distinct(Order.customer_id)))
                .join(Order, OrderLine.order_id == Order.id)
                .where(*_PURCHASED, Order.placed_at < as_of, Order.placed_at >= since)
                .group_by(OrderLine.product_id)
            ).all()
        )
        bought = [
            row
            for chunk in _chunks(list(customer_ids))
            for row in uow.session.execute(
                select(Order.customer_id, OrderLine.product_id, Order.placed_at)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .where(*_PURCHASED, Order.placed_at < as_of, Order.customer_id.in_(chunk))
            ).all()
        ]
    if not catalogue:
        return []
    product_row = {row.id: index for index, row in enumerate(catalogue)}
    customer_row = {customer_id: index for index, customer_id in enumerate(customer_ids)}
    mine = [(int(row[0] or 0), row[1], row[2]) for row in bought if row[1] in product_row]
    lines = PurchaseLines(
        customer=np.array([customer_row[row[0]] for row in mine], dtype=np.int64),
        product=np.array([product_row[row[1]] for row in mine], dtype=np.int64),
        day=np.array([day_number(_aware(row[2])) for row in mine], dtype=np.float64),
    )
    popular = scaled_popularity(np.array([float(buyers.get(row.id, 0)) for row in catalogue]))
    embeddings = embedder.embed([product_text(row.name, row.category) for row in catalogue])
    now = day_number(as_of)
    profiles = taste_profiles(lines, embeddings, len(customer_ids), now, params.half_life_days)
    top, scores = rank_offers(profiles, embeddings, popular, lines, params, k=per_customer)
    offers: list[Offer] = []
    for customer_id, row in customer_row.items():
        own = np.unique(lines.product[lines.customer == row])
        for product, score in zip(top[row], scores[row], strict=True):
            if not np.isfinite(score):
                continue  # they own everything there is
            because = None
            if own.size:
                closest = own[int(np.argmax(embeddings[own] @ embeddings[product]))]
                because = catalogue[closest].name
            offers.append(
                Offer(
                    customer_id,
                    catalogue[product].id,
                    catalogue[product].name,
                    round(float(score), 4),
                    because,
                )
            )
    return offers


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[index : index + ID_CHUNK] for index in range(0, len(ids), ID_CHUNK)]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
