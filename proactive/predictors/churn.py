"""Who is about to stop buying? A churn (win-back) predictor trained on the shop's own history.

- Population at a cutoff: customers with at least one purchase in the 52 weeks before it.
- Label: no purchase in the 13 weeks after it (1 = churned).
- Features, from purchases before the cutoff only: recency, tenure, frequency over 4, 13, 26 and
  52 weeks, spend, average order value, purchase days, mean interval, recency in units of that
  interval, the share of the year's orders in the last quarter (trend) and the last gap.
- Model: gradient-boosted trees (scikit-learn), trained on several past cutoffs whose 13 weeks
  of outcome are complete before the scoring date, so nothing after it is ever seen. The trees are
  small (four leaves): on the Online Retail validation split they ranked better than deeper ones,
  and richer features (products, cancellations, BG/NBD as an input) added nothing beyond noise
  (docs/outcomes.md, "Backtests").

Everything works on column arrays (`PurchaseLog`): the backtest feeds it the Online Retail data,
`churn_candidates` reads the store in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingClassifier
from sqlalchemy import func, select

from crm.models import Order, OrderLine, OrderStatus
from crm.uow import UnitOfWork
from proactive.predictors.base import order_epoch_days

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

HORIZON_DAYS = 91.0  # 13 weeks without a purchase = churned
LOOKBACK_DAYS = 364.0  # 52 weeks: who counts as a customer at the cutoff
# Training cutoffs: this many, this far apart, the latest one 13 weeks before the scoring date.
TRAINING_CUTOFFS = 7
CUTOFF_STEP_DAYS = 14.0
MIN_TRAINING_ROWS = 50
MIN_SAMPLES_LEAF = 100  # per tree leaf, from 2,000 training rows on
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

FEATURES = (
    "recency_days",
    "tenure_days",
    "orders_52w",
    "log_spend_52w",
    "orders_13w",
    "orders_4w",
    "orders_26w",
    "purchase_days",
    "mean_interval_days",
    "recency_over_interval",
    "average_order_value_52w",
    "share_of_orders_in_13w",
    "last_gap_days",
)


class NotEnoughHistory(ValueError):
    """Too few customers with a complete 13-week outcome to learn from."""


@dataclass(frozen=True)
class PurchaseLog:
    """One row per purchase (order), cancelled ones left out; days are counted from the Unix epoch."""

    customer: IntArray
    day: FloatArray
    amount: FloatArray

    def __post_init__(self) -> None:
        if not (self.customer.shape == self.day.shape == self.amount.shape):
            raise ValueError("customer, day and amount must have the same length")


def day_number(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware value")
    return (moment - EPOCH).total_seconds() / 86400.0


def churn_features(log: PurchaseLog, cutoff: float) -> tuple[IntArray, FloatArray]:
    """The population at `cutoff` (customer ids, sorted) and their features (rows in FEATURES order)."""
    before = log.day < cutoff
    customer, day, amount = log.customer[before], log.day[before], log.amount[before]
    ids, index = np.unique(customer, return_inverse=True)
    size = ids.size
    first = np.full(size, np.inf)
    np.minimum.at(first, index, day)
    last = np.full(size, -np.inf)
    np.maximum.at(last, index, day)

    def count(since: float, weights: FloatArray | None = None) -> FloatArray:
        mask = day >= cutoff - since
        chosen = None if weights is None else weights[mask]
        return np.bincount(index[mask], weights=chosen, minlength=size).astype(np.float64)

    orders_52w = count(LOOKBACK_DAYS)
    spend_52w = count(LOOKBACK_DAYS, amount)
    # Distinct purchase days and the gap between the last two of them.
    keys = np.unique(index.astype(np.int64) * 1_000_000 + np.floor(day).astype(np.int64))
    key_customer = keys // 1_000_000
    key_day = (keys % 1_000_000).astype(np.float64)
    purchase_days = np.bincount(key_customer, minlength=size).astype(np.float64)
    last_gap = np.full(size, np.nan)
    same = key_customer[1:] == key_customer[:-1]
    # Keys are sorted, so the last write per customer is their last gap.
    last_gap[key_customer[1:][same]] = (key_day[1:] - key_day[:-1])[same]
    recency = cutoff - last
    several = purchase_days > 1
    mean_interval = np.where(several, (last - first) / np.maximum(purchase_days - 1, 1), np.nan)
    features = np.column_stack(
        [
            recency,
            cutoff - first,
            orders_52w,
            np.log1p(np.maximum(spend_52w, 0.0)),
            count(91.0),
            count(28.0),
            count(182.0),
            purchase_days,
            mean_interval,
            np.where(several, recency / np.maximum(mean_interval, 1.0), np.nan),
            spend_52w / np.maximum(orders_52w, 1.0),
            count(91.0) / np.maximum(orders_52w, 1.0),
            last_gap,
        ]
    )
    population = orders_52w > 0
    return ids[population].astype(np.int64), features[population]


def churn_labels(log: PurchaseLog, customer_ids: IntArray, cutoff: float) -> NDArray[np.int8]:
    """1 for each customer with no purchase in [cutoff, cutoff + 13 weeks), else 0."""
    after = (log.day >= cutoff) & (log.day < cutoff + HORIZON_DAYS)
    bought = np.isin(customer_ids, log.customer[after])
    return (~bought).astype(np.int8)


def training_cutoffs(log: PurchaseLog, as_of: float) -> list[float]:
    """Past cutoffs whose 13-week outcome is complete by `as_of`, with at least 4 weeks of history."""
    if log.day.size == 0:
        return []
    earliest = float(log.day.min()) + 28.0
    latest = as_of - HORIZON_DAYS
    return [c for c in (latest - i * CUTOFF_STEP_DAYS for i in range(TRAINING_CUTOFFS)) if c >= earliest]


class ChurnModel:
    """Gradient-boosted trees on FEATURES; NaN (one purchase only) is handled by the trees themselves."""

    def __init__(self, *, seed: int = 0) -> None:
        # Four leaves a tree, at least 100 customer-cutoffs a leaf (fewer for a small shop, see
        # fit): the training cutoffs have a shorter history than the scoring date, and shallow
        # trees carried that shift best (chosen at the validation cutoff, before the test
        # period: docs/outcomes.md).
        self._classifier = HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_leaf_nodes=4,
            min_samples_leaf=MIN_SAMPLES_LEAF,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
        self.trained_rows = 0

    def fit(self, log: PurchaseLog, cutoffs: list[float]) -> ChurnModel:
        rows, labels = [], []
        for cutoff in cutoffs:
            ids, features = churn_features(log, cutoff)
            rows.append(features)
            labels.append(churn_labels(log, ids, cutoff))
        if not rows:
            raise NotEnoughHistory("no training cutoff has 13 weeks of outcome and 4 weeks of history")
        x = np.vstack(rows)
        y = np.concatenate(labels)
        if y.size < MIN_TRAINING_ROWS or np.unique(y).size < 2:
            raise NotEnoughHistory(
                f"{y.size} training rows with {int(y.sum())} churned: too few to learn who churns"
            )
        # A shop with a few hundred customer-cutoffs could not split at 100 a leaf.
        self._classifier.set_params(min_samples_leaf=min(MIN_SAMPLES_LEAF, max(5, y.size // 20)))
        self._classifier.fit(x, y)
        self.trained_rows = int(y.size)
        return self

    def probability(self, log: PurchaseLog, cutoff: float) -> tuple[IntArray, FloatArray]:
        """The population at `cutoff` and each one's probability of buying nothing in 13 weeks."""
        ids, features = churn_features(log, cutoff)
        if ids.size == 0:
            return ids, np.zeros(0)
        return ids, self._classifier.predict_proba(features)[:, 1].astype(np.float64)


@dataclass(frozen=True)
class ChurnRisk:
    customer_id: int
    probability: float  # of no purchase in the next 13 weeks
    days_since_last_order: int
    orders_last_year: int


def load_purchase_log(uow: UnitOfWork, until: datetime) -> PurchaseLog:
    """Every customer's orders placed before `until` (not cancelled), with their value, in one query.

    The day number is computed by the database, so a million orders need no datetime objects.
    Call inside `with uow:`.
    """
    query = (
        select(
            Order.customer_id,
            order_epoch_days(uow.session.get_bind().dialect.name),
            func.coalesce(func.sum(OrderLine.quantity * OrderLine.unit_price), 0),
        )
        .outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .where(
            Order.customer_id.is_not(None),
            Order.status != OrderStatus.CANCELLED,
            Order.placed_at < until,
        )
        .group_by(Order.id, Order.customer_id, Order.placed_at)
    )
    rows = uow.session.execute(query).all()
    return PurchaseLog(
        customer=np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
        day=np.fromiter((float(row[1]) for row in rows), dtype=np.float64, count=len(rows)),
        amount=np.fromiter((float(row[2]) for row in rows), dtype=np.float64, count=len(rows)),
    )


def churn_candidates(uow: UnitOfWork, as_of: datetime, *, min_probability: float = 0.5) -> list[ChurnRisk]:
    """Customers likely to buy nothing in the next 13 weeks, most likely first.

    Trained on the store's own past (cutoffs whose outcome is complete by `as_of`); raises
    NotEnoughHistory for a shop too young or too small to learn from.
    """
    with uow:
        log = load_purchase_log(uow, as_of)
    cutoff = day_number(as_of)
    model = ChurnModel().fit(log, training_cutoffs(log, cutoff))
    ids, probability = model.probability(log, cutoff)
    _, features = churn_features(log, cutoff)
    recency = features[:, FEATURES.index("recency_days")]
    orders = features[:, FEATURES.index("orders_52w")]
    chosen = np.flatnonzero(probability >= min_probability)
    chosen = chosen[np.argsort(-probability[chosen], kind="stable")]
    return [
        ChurnRisk(
            customer_id=int(ids[i]),
            probability=round(float(probability[i]), 4),
            days_since_last_order=int(recency[i]),
            orders_last_year=int(orders[i]),
        )
        for i in chosen
    ]
