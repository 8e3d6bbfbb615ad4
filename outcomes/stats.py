"""Confidence intervals for the results against a control group, and the sequential harm test.

- `wilson`: a proportion (acceptance, conversion, opt-out) with the Wilson score interval, which
  stays inside [0, 1] and keeps its coverage for small counts, unlike the Wald interval.
- `newcombe`: the difference of two proportions (treated minus holdout) by Newcombe's hybrid
  score method (method 10 of Newcombe 1998), built from the two Wilson intervals.
- `welch`: the difference of two means (average order value) with Welch's t interval, and
  `bootstrap_mean_difference` for skewed order values, seeded so a report is reproducible.
- `complaint_harm`: is the treated group's complaint rate worse than its holdout's? A mixture
  sequential probability ratio test (mSPRT, "always valid" inference: Johari, Pekelis and Walsh
  2017), so the answer may be read every day without inflating false alarms, with a minimum sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float
    confidence: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence {confidence} is outside (0, 1)")
    return float(scipy_stats.norm.ppf(0.5 + confidence / 2))


def wilson(successes: int, trials: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for successes / trials."""
    if trials <= 0:
        raise ValueError("a proportion needs at least one trial")
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes of {trials} trials")
    z = _z(confidence)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), confidence)


def newcombe(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, confidence: float = 0.95
) -> Interval:
    """Interval for p_a - p_b (e.g. treated minus holdout) by Newcombe's hybrid score method."""
    a = wilson(successes_a, trials_a, confidence)
    b = wilson(successes_b, trials_b, confidence)
    difference = a.estimate - b.estimate
    low = difference - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = difference + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(difference, low, high, confidence)


def welch(values_a: Sequence[float], values_b: Sequence[float], confidence: float = 0.95) -> Interval:
    """Interval for mean(a) - mean(b) with unequal variances (Welch-Satterthwaite degrees of freedom)."""
    a = np.asarray(values_a, dtype=float)
    b = np.asarray(values_b, dtype=float)
    if a.size < 2 or b.size < 2:
        raise ValueError("each group needs at least two values")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    difference = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Interval(difference, difference, difference, confidence)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(scipy_stats.t.ppf(0.5 + confidence / 2, df)) * se
    return Interval(difference, difference - half, difference + half, confidence)


def bootstrap_mean_difference(
    values_a: Sequence[float],
    values_b: Sequence[float],
    confidence: float = 0.95,
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval for mean(a) - mean(b); the same seed gives the same interval."""
    a = np.asarray(values_a, dtype=float)
    b = np.asarray(values_b, dtype=float)
    if a.size == 0 or b.size == 0:
        raise ValueError("each group needs at least one value")
    _z(confidence)
    rng = np.random.default_rng(seed)
    means_a = a[rng.integers(0, a.size, size=(resamples, a.size))].mean(axis=1)
    means_b = b[rng.integers(0, b.size, size=(resamples, b.size))].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means_a - means_b, [tail, 1 - tail])
    return Interval(float(a.mean() - b.mean()), float(low), float(high), confidence)


# The harm test's defaults. The mixture's spread TAU is the size of harm (in complaint-rate points)
# the test is tuned to find quickly; a 3x rise on a 2-5 % complaint rate is 4-10 points.
HARM_ALPHA = 0.05
HARM_TAU = 0.05
# No verdict before each group has this many customers and the two together this many
# complaints: the normal approximation behind the test is poor on a handful of events.
MIN_PER_GROUP = 100
MIN_COMPLAINTS = 10


@dataclass(frozen=True)
class HarmVerdict:
    harmful: bool
    likelihood_ratio: float  # the mixture likelihood ratio; harmful once >= 1 / alpha
    p_value: float  # always valid at this look: min(1, 1 / likelihood ratio), 1 before the minimum
    difference: float  # treated minus holdout complaint rate
    reason: str  # "harm", "no evidence yet" or "below minimum sample"


def complaint_harm(
    treated_complaints: int,
    treated: int,
    holdout_complaints: int,
    holdout: int,
    *,
    alpha: float = HARM_ALPHA,
    tau: float = HARM_TAU,
    min_per_group: int = MIN_PER_GROUP,
    min_complaints: int = MIN_COMPLAINTS,
) -> HarmVerdict:
    """One look of a one-sided mixture SPRT for "treated complaint rate > holdout complaint rate".

    Counts are cumulative since the trigger started. With theta-hat the observed difference and
    s^2 its variance under the null (pooled rate), the normal-mixture likelihood ratio with a
    N(0, tau^2) mixture over the true difference is
        L = sqrt(s^2 / (s^2 + tau^2)) * exp(tau^2 theta-hat^2 / (2 s^2 (s^2 + tau^2))).
    Under no harm L is (asymptotically) a nonnegative martingale, so by Ville's inequality the
    chance that it EVER reaches 1/alpha is at most alpha: looking daily, or after every message,
    costs nothing. Only a difference in the harmful direction can trigger it.
    """
    for name, count, total in (
        ("treated", treated_complaints, treated),
        ("holdout", holdout_complaints, holdout),
    ):
        if total < 0 or not 0 <= count <= max(total, 0):
            raise ValueError(f"{name}: {count} complaints among {total} customers")
    if not 0.0 < alpha < 1.0 or tau <= 0.0:
        raise ValueError("alpha must be in (0, 1) and tau positive")
    if (
        min(treated, holdout) < max(min_per_group, 1)
        or treated_complaints + holdout_complaints < min_complaints
    ):
        difference = (
            treated_complaints / treated - holdout_complaints / holdout if treated and holdout else 0.0
        )
        return HarmVerdict(False, 1.0, 1.0, difference, "below minimum sample")
    ratio = float(
        mixture_likelihood_ratio(
            np.array([treated_complaints]),
            np.array([treated]),
            np.array([holdout_complaints]),
            np.array([holdout]),
            tau,
        )[0]
    )
    difference = treated_complaints / treated - holdout_complaints / holdout
    harmful = difference > 0 and ratio >= 1 / alpha
    return HarmVerdict(
        harmful, ratio, min(1.0, 1 / ratio), difference, "harm" if harmful else "no evidence yet"
    )


def mixture_likelihood_ratio(
    treated_complaints: np.ndarray,
    treated: np.ndarray,
    holdout_complaints: np.ndarray,
    holdout: np.ndarray,
    tau: float = HARM_TAU,
) -> np.ndarray:
    """The mSPRT statistic for many looks or many experiments at once (arrays of cumulative counts)."""
    n_t = treated.astype(float)
    n_h = holdout.astype(float)
    pooled = (treated_complaints + holdout_complaints) / (n_t + n_h)
    variance = pooled * (1 - pooled) * (1 / n_t + 1 / n_h)
    theta = treated_complaints / n_t - holdout_complaints / n_h
    # A pooled rate of 0 or 1: no information yet, ratio 1.
    safe = np.where(variance > 0, variance, 1.0)
    tau2 = tau * tau
    log_ratio = 0.5 * np.log(safe / (safe + tau2)) + tau2 * theta**2 / (2 * safe * (safe + tau2))
    return np.where(variance > 0, np.exp(np.minimum(log_ratio, 700.0)), 1.0)
