"""The rhythm estimator on fixed histories whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from proactive.predictors.rhythm import (
    RhythmParameters,
    estimate,
    fit_parameters,
    interval_table,
    median_remaining_days,
    product_priors,
)


def _table(purchases: list[tuple[int, float, float]]):  # type: ignore[no-untyped-def]
    pair, day, quantity = (np.array(column) for column in zip(*purchases, strict=True))
    return interval_table(pair.astype(np.int64), day.astype(float), quantity.astype(float))


def test_purchases_less_than_a_day_apart_are_one() -> None:
    table = _table([(7, 0.0, 1), (7, 0.3, 2), (7, 30.0, 1), (9, 5.0, 4)])
    assert table.pairs.tolist() == [7, 9]
    assert table.intervals.tolist() == [1, 0]
    assert table.log_interval_sum[0] == pytest.approx(math.log(30.0))
    assert table.log_quantity_sum[0] == pytest.approx(math.log(3.0))  # 1 + 2 merged
    assert table.last_day.tolist() == [30.0, 5.0]
    assert table.first_day.tolist() == [0.0, 5.0]
    assert table.last_quantity.tolist() == [1.0, 4.0]


def test_credit_lines_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        _table([(1, 0.0, -2)])


def test_a_steady_rhythm_predicts_the_rest_of_the_interval() -> None:
    table = _table([(1, day, 1) for day in (0.0, 30.0, 60.0, 90.0, 120.0)])
    params = RhythmParameters(prior_weight=0.0, sigma=0.05)
    result = estimate(table, np.array([math.log(90.0)]), as_of_day=130.0, params=params)
    assert result.usual_interval_days[0] == pytest.approx(30.0)
    assert result.days_until[0] == pytest.approx(20.0, abs=0.5)


def test_an_overdue_pair_is_expected_later_not_now() -> None:
    table = _table([(1, day, 1) for day in (0.0, 30.0, 60.0)])
    params = RhythmParameters(prior_weight=0.0, sigma=0.75)
    result = estimate(table, np.array([math.log(30.0)]), as_of_day=60.0 + 90.0, params=params)
    assert result.days_until[0] > 10.0


def test_a_short_history_is_shrunk_toward_the_product() -> None:
    # One interval of 10 days, a product rhythm of 40, k = 1: half each on the log scale -> 20.
    table = _table([(1, 0.0, 1), (1, 10.0, 1)])
    result = estimate(table, np.array([math.log(40.0)]), 10.0, RhythmParameters(prior_weight=1.0))
    assert result.usual_interval_days[0] == pytest.approx(20.0)


def test_a_single_purchase_rests_on_the_prior() -> None:
    table = _table([(1, 0.0, 1)])
    result = estimate(table, np.array([math.log(45.0)]), 0.0, RhythmParameters(prior_weight=3.0))
    assert result.usual_interval_days[0] == pytest.approx(45.0)


def test_with_quantities_two_packs_last_twice_as_long() -> None:
    # 1 pack lasted 30 days each time; now they bought 2.
    table = _table([(1, 0.0, 1), (1, 30.0, 1), (1, 60.0, 2)])
    params = RhythmParameters(prior_weight=0.0, quantity_exponent=1.0)
    assert estimate(table, np.array([0.0]), 60.0, params).usual_interval_days[0] == pytest.approx(60.0)
    ignored = RhythmParameters(prior_weight=0.0, quantity_exponent=0.0)
    assert estimate(table, np.array([0.0]), 60.0, ignored).usual_interval_days[0] == pytest.approx(30.0)


def test_product_priors_are_medians_over_customers() -> None:
    purchases = [(pair, day, 1) for pair in range(5) for day in (0.0, 10.0 * (pair + 1))]
    table = _table(purchases)
    priors = product_priors(table, np.zeros(5, dtype=np.int64), quantity_exponent=0.0)
    assert priors == {0: pytest.approx(math.log(30.0))}
    # Too few intervals: no prior.
    assert product_priors(table, np.arange(5, dtype=np.int64), 0.0) == {}


def test_the_remaining_median_agrees_with_scipy() -> None:
    centre, sigma, elapsed = math.log(30.0), 0.6, 45.0
    law = scipy_stats.lognorm(s=sigma, scale=math.exp(centre))
    expected = law.isf(law.sf(elapsed) / 2) - elapsed  # median of T given T > elapsed
    got = median_remaining_days(np.array([centre]), sigma, np.array([elapsed]))[0]
    assert got == pytest.approx(expected, rel=1e-6)


def test_fitting_picks_the_smallest_training_error() -> None:
    grid = [RhythmParameters(prior_weight=k) for k in (0.5, 2.0, 8.0)]
    best, error = fit_parameters(lambda p: abs(p.prior_weight - 2.1), grid)
    assert best.prior_weight == 2.0 and error == pytest.approx(0.1)
