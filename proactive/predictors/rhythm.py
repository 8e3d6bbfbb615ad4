"""When will a customer buy a product again? A pure numpy estimator over many customer x product pairs.

The model, per pair:

- Its own rhythm is the mean of log(days between two purchases) - beta * log(quantity bought at
  the earlier one): with beta = 1 that is log(days per unit), so three packs last three times as
  long as one; beta = 0 ignores quantities (wholesale buyers, whose quantities say nothing about
  use). Log scale because intervals are skewed: one long gap must not drag the estimate.
- With few intervals that mean is noisy, so it is shrunk toward the product's typical rhythm
  (the median over all customers, or a catalogue figure) with weight n / (n + k): empirical-Bayes
  style, n the pair's own intervals and k the prior's worth in intervals.
- The next interval is log-normal around that centre (log-spread sigma). Given that `recency`
  days have passed without a purchase, the prediction is the MEDIAN of the remaining time: the
  value that minimises the absolute error in days. An overdue pair is thus not predicted "now"
  (interval minus recency, clipped at 0) but later, the later the more overdue.

k, sigma and beta are fitted on a training period only (`fit_parameters`); the backtest
(`bench/backtest.py`, docs/outcomes.md) measures the estimator against the baselines.

Inputs and outputs are column arrays aligned by pair, so one call scores every pair of a shop:

    table = interval_table(pair_keys, purchase_days, quantities)    # one row per purchase event
    prior = np.log(use_up_days_of_each_pair)  # catalogue days per unit (beta = 1), or product_priors()
    found = estimate(table, prior, as_of_day, RhythmParameters(prior_weight=2, quantity_exponent=1))
    usual_days = found.usual_interval_days           # the "filters last about 90 days" of a message
    run_out_day = table.last_day + usual_days        # when the last purchase is used up: the reminder
    next_buy_day = as_of_day + found.days_until      # when they will most likely buy (the backtest's target)

The two differ for overdue pairs: the run-out date is in the past, while the most likely purchase
day moves later the longer they wait (they may buy elsewhere, or have stock left).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Intervals shorter than a day are one purchase split over two orders; never log(0).
MIN_INTERVAL_DAYS = 1.0
# A product needs this many intervals over all customers before its median stands as a prior.
MIN_PRODUCT_INTERVALS = 5


@dataclass(frozen=True)
class RhythmParameters:
    prior_weight: float = 3.0  # k: how many intervals' worth of belief the product's rhythm carries
    sigma: float = 0.75  # spread of log(interval) around the pair's centre
    quantity_exponent: float = 0.0  # beta: 1 = days per unit, 0 = quantities ignored

    def __post_init__(self) -> None:
        if self.prior_weight < 0 or self.sigma <= 0 or not 0.0 <= self.quantity_exponent <= 1.0:
            raise ValueError(f"bad rhythm parameters: {self}")


@dataclass(frozen=True)
class IntervalTable:
    """Purchases of many pairs reduced to what the estimator needs; every array is aligned by pair.

    `pairs` are the caller's pair keys (any int64, e.g. customer * 1_000_000 + product), sorted.
    """

    pairs: IntArray
    intervals: IntArray  # n: the pair's own intervals (purchases - 1)
    log_interval_sum: FloatArray  # sum of log(days) over the pair's intervals
    log_quantity_sum: FloatArray  # sum of log(quantity at the interval's start)
    first_day: FloatArray  # the first purchase, in the caller's day units
    last_day: FloatArray  # the last purchase
    last_quantity: FloatArray
    # One row per interval, for product priors: the pair index and the two logs.
    interval_pair: IntArray
    interval_log_days: FloatArray
    interval_log_quantity: FloatArray


@dataclass(frozen=True)
class RhythmEstimate:
    centre_log_interval: FloatArray  # the shrunk centre, log(days), quantity included
    usual_interval_days: FloatArray  # exp(centre): the pair's typical interval after the last purchase
    days_until: FloatArray  # median remaining days from "as of" to the next purchase (>= 0)


def interval_table(pair: IntArray, day: FloatArray, quantity: FloatArray) -> IntervalTable:
    """Purchase events (pair key, day, quantity > 0; any order) into per-pair interval sums.

    Purchases of one pair less than a day apart are merged into one (quantities added).
    """
    pair = np.asarray(pair, dtype=np.int64)
    day = np.asarray(day, dtype=np.float64)
    quantity = np.asarray(quantity, dtype=np.float64)
    if not (pair.shape == day.shape == quantity.shape):
        raise ValueError("pair, day and quantity must have the same length")
    if np.any(quantity <= 0):
        raise ValueError("quantities must be positive (credit lines are not purchases)")
    order = np.lexsort((day, pair))
    pair, day, quantity = pair[order], day[order], quantity[order]
    # Merge purchases closer than a day: a new purchase starts where the pair changes or a day passed.
    starts = np.ones(pair.size, dtype=bool)
    if pair.size:
        starts[1:] = (pair[1:] != pair[:-1]) | (day[1:] - day[:-1] >= MIN_INTERVAL_DAYS)
    group = np.cumsum(starts) - 1
    p_pair = pair[starts]
    p_day = day[starts]
    p_quantity = (np.bincount(group, weights=quantity) if pair.size else np.zeros(0)).astype(np.float64)
    pairs, first = np.unique(p_pair, return_index=True)
    last = np.r_[first[1:] - 1, p_pair.size - 1].astype(np.int64) if pairs.size else first
    same = p_pair[1:] == p_pair[:-1]
    interval_pair = np.searchsorted(pairs, p_pair[1:][same]).astype(np.int64)
    log_days = np.log(np.maximum(p_day[1:][same] - p_day[:-1][same], MIN_INTERVAL_DAYS))
    log_quantity = np.log(p_quantity[:-1][same])
    size = pairs.size
    return IntervalTable(
        pairs=pairs.astype(np.int64),
        intervals=np.bincount(interval_pair, minlength=size).astype(np.int64),
        log_interval_sum=np.bincount(interval_pair, weights=log_days, minlength=size).astype(np.float64),
        log_quantity_sum=np.bincount(interval_pair, weights=log_quantity, minlength=size).astype(np.float64),
        first_day=p_day[first],
        last_day=p_day[last],
        last_quantity=p_quantity[last],
        interval_pair=interval_pair,
        interval_log_days=log_days,
        interval_log_quantity=log_quantity,
    )


def product_priors(
    table: IntervalTable, product_of_pair: IntArray, quantity_exponent: float
) -> dict[int, float]:
    """Each product's typical log(days per unit^beta): the median over all its customers' intervals.

    Products with fewer than MIN_PRODUCT_INTERVALS intervals get none (the caller falls back).
    """
    products = np.asarray(product_of_pair, dtype=np.int64)[table.interval_pair]
    rates = table.interval_log_days - quantity_exponent * table.interval_log_quantity
    order = np.argsort(products, kind="stable")
    found, starts, counts = np.unique(products[order], return_index=True, return_counts=True)
    sorted_rates = rates[order]
    return {
        int(product): float(np.median(sorted_rates[start : start + count]))
        for product, start, count in zip(found, starts, counts, strict=True)
        if count >= MIN_PRODUCT_INTERVALS
    }


def estimate(
    table: IntervalTable,
    prior_log_rate: FloatArray,
    as_of_day: float,
    params: RhythmParameters,
) -> RhythmEstimate:
    """The next purchase of every pair in `table`, seen from `as_of_day` (same day units).

    `prior_log_rate[i]` is pair i's product prior on the same scale as `product_priors` (for a
    catalogue figure of D days per unit with beta = 1: log(D)). Pairs with no interval of their
    own rest on the prior alone.
    """
    prior = np.asarray(prior_log_rate, dtype=np.float64)
    if prior.shape != table.pairs.shape:
        raise ValueError("one prior per pair")
    beta = params.quantity_exponent
    n = table.intervals.astype(np.float64)
    own = (table.log_interval_sum - beta * table.log_quantity_sum) / np.maximum(n, 1.0)
    weight = n / (n + params.prior_weight) if params.prior_weight > 0 else (n > 0).astype(np.float64)
    centre = weight * own + (1 - weight) * prior + beta * np.log(table.last_quantity)
    recency = np.maximum(as_of_day - table.last_day, 0.0)
    return RhythmEstimate(
        centre_log_interval=centre,
        usual_interval_days=np.exp(centre),
        days_until=median_remaining_days(centre, params.sigma, recency),
    )


def log_rate_spread(table: IntervalTable, quantity_exponent: float) -> FloatArray:
    """Each pair's standard deviation of log(days per unit^beta) over its own intervals (0 below two).

    On the log scale this is about the coefficient of variation of the rhythm: the replenishment
    predictor's confidence falls as it grows.
    """
    rates = table.interval_log_days - quantity_exponent * table.interval_log_quantity
    size = table.pairs.size
    n = np.bincount(table.interval_pair, minlength=size).astype(np.float64)
    total = np.bincount(table.interval_pair, weights=rates, minlength=size)
    squares = np.bincount(table.interval_pair, weights=rates * rates, minlength=size)
    mean = total / np.maximum(n, 1.0)
    variance = np.maximum(squares / np.maximum(n, 1.0) - mean * mean, 0.0)
    spread: FloatArray = np.where(n >= 2, np.sqrt(variance), 0.0)
    return spread


def median_remaining_days(centre: FloatArray, sigma: float, elapsed: FloatArray) -> FloatArray:
    """Median of T - elapsed given T > elapsed, for T log-normal(centre, sigma)."""
    elapsed = np.asarray(elapsed, dtype=np.float64)
    log_elapsed = np.log(np.maximum(elapsed, 1e-9))
    survival = 1.0 - ndtr((log_elapsed - centre) / sigma)
    # The median of the conditional law is the quantile 1 - S(elapsed) / 2 of the unconditional one.
    quantile = np.clip(1.0 - survival / 2.0, 1e-12, 1.0 - 1e-12)
    remaining: FloatArray = np.maximum(np.exp(centre + sigma * ndtri(quantile)) - elapsed, 0.0)
    return remaining


def fit_parameters(
    error_of: Callable[[RhythmParameters], float], grid: Iterable[RhythmParameters]
) -> tuple[RhythmParameters, float]:
    """The parameters with the smallest error; `error_of` must score on training data only."""
    best: tuple[RhythmParameters, float] | None = None
    for params in grid:
        error = error_of(params)
        if best is None or error < best[1]:
            best = (params, error)
    if best is None:
        raise ValueError("an empty grid")
    return best


def default_grid() -> list[RhythmParameters]:
    return [
        RhythmParameters(prior_weight=k, sigma=sigma, quantity_exponent=beta)
        for k in (0.5, 1.0, 3.0, 10.0)
        for sigma in (0.5, 0.75, 1.0)
        for beta in (0.0, 0.5, 1.0)
    ]
