"""Intervals against published and scipy values; the harm test under daily peeking, by simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from outcomes.stats import (
    HARM_ALPHA,
    MIN_COMPLAINTS,
    MIN_PER_GROUP,
    bootstrap_mean_difference,
    complaint_harm,
    mixture_likelihood_ratio,
    newcombe,
    welch,
    wilson,
)


def test_wilson_matches_the_textbook_value_for_8_of_10() -> None:
    interval = wilson(8, 10)
    assert (round(interval.low, 3), round(interval.high, 3)) == (0.490, 0.943)
    assert interval.estimate == 0.8


def test_wilson_stays_inside_zero_and_one_at_the_edges() -> None:
    assert wilson(0, 20).low == 0.0 and 0.1 < wilson(0, 20).high < 0.2
    assert wilson(20, 20).high == 1.0


def test_wilson_matches_scipy_binomtest() -> None:
    for successes, trials in [(3, 17), (45, 300), (1, 2)]:
        expected = scipy_stats.binomtest(successes, trials).proportion_ci(0.9, method="wilson")
        got = wilson(successes, trials, 0.9)
        assert (got.low, got.high) == pytest.approx((expected.low, expected.high), abs=1e-9)


def test_newcombe_matches_newcombes_worked_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 - 48/80, method 10.
    interval = newcombe(56, 70, 48, 80)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.0524, 0.3339)


def test_welch_matches_scipy() -> None:
    a = [10.0, 12.0, 15.0, 9.0, 30.0, 22.5]
    b = [8.0, 9.0, 7.0, 11.0, 10.0, 9.5, 8.2]
    expected = scipy_stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    got = welch(a, b)
    assert (got.low, got.high) == pytest.approx((expected.low, expected.high))


def test_the_bootstrap_is_reproducible_and_covers_the_difference() -> None:
    rng = np.random.default_rng(3)
    a = rng.lognormal(3.2, 0.6, 400)
    b = rng.lognormal(3.0, 0.6, 400)
    first = bootstrap_mean_difference(a.tolist(), b.tolist(), seed=11)
    assert first == bootstrap_mean_difference(a.tolist(), b.tolist(), seed=11)
    assert first.low < first.estimate < first.high
    assert first.contains(float(np.exp(3.2 + 0.18) - np.exp(3.0 + 0.18)))


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one trial"):
        wilson(0, 0)
    with pytest.raises(ValueError, match="11 successes of 10"):
        wilson(11, 10)
    with pytest.raises(ValueError, match="holdout: 5 complaints among 3"):
        complaint_harm(1, 200, 5, 3)


def test_no_verdict_below_the_minimum_sample() -> None:
    # 8 of 50 against 0 of 50 looks dreadful, but neither group has its minimum yet.
    verdict = complaint_harm(8, 50, 0, 50)
    assert not verdict.harmful and verdict.reason == "below minimum sample" and verdict.p_value == 1.0


def test_a_clear_harm_is_flagged_and_a_benefit_never_is() -> None:
    harm = complaint_harm(60, 1000, 15, 1000)
    assert harm.harmful and harm.reason == "harm" and harm.p_value <= HARM_ALPHA
    better = complaint_harm(15, 1000, 60, 1000)
    assert not better.harmful and better.difference < 0


def _daily_looks(
    treated_rate: float, holdout_rate: float, *, days: int = 60, reps: int = 2000, seed: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """`reps` trigger runs looked at daily; 90 treated and 10 held out per day (10 % holdout).

    Returns per run whether the mSPRT ever flagged harm, and whether a naive one-sided z-test at
    the 5 % level ever did (the peeking mistake the sequential test exists to avoid).
    """
    rng = np.random.default_rng(seed)
    per_day_t, per_day_h = 90, 10
    ct = rng.binomial(per_day_t, treated_rate, size=(reps, days)).cumsum(axis=1)
    ch = rng.binomial(per_day_h, holdout_rate, size=(reps, days)).cumsum(axis=1)
    nt = np.broadcast_to(np.arange(1, days + 1) * per_day_t, (reps, days))
    nh = np.broadcast_to(np.arange(1, days + 1) * per_day_h, (reps, days))
    ready = (np.minimum(nt, nh) >= MIN_PER_GROUP) & (ct + ch >= MIN_COMPLAINTS)
    theta = ct / nt - ch / nh
    flagged = ready & (theta > 0) & (mixture_likelihood_ratio(ct, nt, ch, nh) >= 1 / HARM_ALPHA)
    pooled = (ct + ch) / (nt + nh)
    se = np.sqrt(np.maximum(pooled * (1 - pooled) * (1 / nt + 1 / nh), 1e-12))
    naive = ready & (theta / se > scipy_stats.norm.ppf(1 - HARM_ALPHA))
    return flagged.any(axis=1), naive.any(axis=1)


def test_daily_looks_under_no_harm_keep_false_alarms_within_alpha() -> None:
    flagged, naive = _daily_looks(0.03, 0.03)
    assert flagged.mean() <= HARM_ALPHA + 0.01
    # The same data with a fixed-sample test read daily raises several times more false alarms:
    # the simulation can tell a valid test from an invalid one.
    assert naive.mean() > 2 * HARM_ALPHA


def test_a_threefold_complaint_rate_is_detected() -> None:
    flagged, _ = _daily_looks(0.09, 0.03)
    assert flagged.mean() >= 0.95


def test_the_vectorised_statistic_agrees_with_one_look() -> None:
    verdict = complaint_harm(60, 1000, 15, 1000)
    ratio = mixture_likelihood_ratio(np.array([60]), np.array([1000]), np.array([15]), np.array([1000]))
    assert verdict.likelihood_ratio == pytest.approx(float(ratio[0]))
