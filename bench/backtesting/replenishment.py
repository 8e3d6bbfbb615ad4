"""Replenishment timing: when will a customer buy a product again, after the cutoff?

Pairs (customer x product) with at least two purchase days before the cutoff that buy the product
again in the test period. Error: absolute days between the predicted and the actual next purchase
(MAE). Every method sees only purchases before the cutoff; the candidate's parameters (k, sigma,
beta) are fitted on the training split (cutoff 13 weeks earlier, targets before the test cutoff).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backtesting.retail import Retail, Split
from proactive.predictors.rhythm import (
    IntervalTable,
    RhythmParameters,
    default_grid,
    estimate,
    fit_parameters,
    interval_table,
    product_priors,
)

FloatArray = NDArray[np.float64]
PAIR = 1_000_000  # pair key = customer * PAIR + product

CANDIDATE = "shrunk rhythm (candidate)"
CONSTANT_MEDIAN = "constant median interval"
MEAN_MINUS_RECENCY = "average interval minus recency"
MEDIAN_FROM_CUTOFF = "median interval from the cutoff (reference)"
BASELINES = (CONSTANT_MEDIAN, MEAN_MINUS_RECENCY)


@dataclass(frozen=True)
class Evaluation:
    """The pairs of one cutoff that have a history and a next purchase in the window."""

    table: IntervalTable  # restricted to the evaluated pairs
    cutoff: float
    truth: FloatArray  # days from the cutoff to the next purchase
    product: NDArray[np.int64]
    all_intervals_log: FloatArray  # every interval before the cutoff, for the baselines
    priors_of: Callable[[float], FloatArray]  # beta -> the product prior of each evaluated pair


@dataclass(frozen=True)
class ReplenishmentResult:
    train_pairs: int
    test_pairs: int
    params: RhythmParameters
    train_mae: float
    mae: dict[str, float]
    median_error: dict[str, float]

    @property
    def best_baseline(self) -> str:
        return min(BASELINES, key=lambda name: self.mae[name])

    @property
    def improvement(self) -> float:
        """How much lower the candidate's MAE is than the best baseline's (0.2 = 20 % lower)."""
        return 1.0 - self.mae[CANDIDATE] / self.mae[self.best_baseline]


def evaluation(retail: Retail, cutoff: float, window_end: float) -> Evaluation:
    pair = retail.line_customer * PAIR + retail.line_product
    before = retail.line_day < cutoff
    history = interval_table(pair[before], retail.line_day[before], retail.line_quantity[before])
    after = (retail.line_day >= cutoff) & (retail.line_day <= window_end)
    future_pair, future_day = pair[after], retail.line_day[after]
    order = np.lexsort((future_day, future_pair))
    next_pair, first = np.unique(future_pair[order], return_index=True)
    next_day = future_day[order][first]
    position = np.clip(np.searchsorted(next_pair, history.pairs), 0, max(next_pair.size - 1, 0))
    chosen = (history.intervals >= 1) & (next_pair.size > 0) & (next_pair[position] == history.pairs)
    table = _subset(history, chosen)
    product_of_all = history.pairs % PAIR

    def priors_of(beta: float) -> FloatArray:
        priors = product_priors(history, product_of_all, beta)
        rates = history.interval_log_days - beta * history.interval_log_quantity
        fallback = float(np.median(rates))
        return np.array([priors.get(int(p), fallback) for p in table.pairs % PAIR], dtype=np.float64)

    return Evaluation(
        table=table,
        cutoff=cutoff,
        truth=next_day[position[chosen]] - cutoff,
        product=(table.pairs % PAIR).astype(np.int64),
        all_intervals_log=history.interval_log_days,
        priors_of=priors_of,
    )


def _subset(table: IntervalTable, chosen: NDArray[np.bool_]) -> IntervalTable:
    # The per-interval rows are only needed for priors, which use the full table.
    return IntervalTable(
        pairs=table.pairs[chosen],
        intervals=table.intervals[chosen],
        log_interval_sum=table.log_interval_sum[chosen],
        log_quantity_sum=table.log_quantity_sum[chosen],
        first_day=table.first_day[chosen],
        last_day=table.last_day[chosen],
        last_quantity=table.last_quantity[chosen],
        interval_pair=np.zeros(0, dtype=np.int64),
        interval_log_days=np.zeros(0),
        interval_log_quantity=np.zeros(0),
    )


def candidate_days(data: Evaluation, params: RhythmParameters) -> FloatArray:
    return estimate(data.table, data.priors_of(params.quantity_exponent), data.cutoff, params).days_until


def baseline_days(data: Evaluation) -> dict[str, FloatArray]:
    table = data.table
    recency = data.cutoff - table.last_day
    median_interval = float(np.median(np.exp(data.all_intervals_log)))
    mean_interval = _mean_intervals(table)
    return {
        CONSTANT_MEDIAN: np.maximum(median_interval - recency, 0.0),
        MEAN_MINUS_RECENCY: np.maximum(mean_interval - recency, 0.0),
        MEDIAN_FROM_CUTOFF: np.full(table.pairs.size, median_interval),
    }


def _mean_intervals(table: IntervalTable) -> FloatArray:
    """The pair's own average interval: first to last purchase day over its n intervals."""
    mean: FloatArray = (table.last_day - table.first_day) / np.maximum(table.intervals, 1)
    return mean


def run(retail: Retail, split: Split) -> ReplenishmentResult:
    train = evaluation(retail, split.train_cutoff, split.cutoff - 1e-9)
    test = evaluation(retail, split.cutoff, split.end)

    def train_error(params: RhythmParameters) -> float:
        return float(np.mean(np.abs(candidate_days(train, params) - train.truth)))

    params, train_mae = fit_parameters(train_error, default_grid())
    predictions = {CANDIDATE: candidate_days(test, params), **baseline_days(test)}
    return ReplenishmentResult(
        train_pairs=int(train.truth.size),
        test_pairs=int(test.truth.size),
        params=params,
        train_mae=train_mae,
        mae={name: float(np.mean(np.abs(days - test.truth))) for name, days in predictions.items()},
        median_error={
            name: float(np.median(np.abs(days - test.truth))) for name, days in predictions.items()
        },
    )
