"""The churn predictor on fixed histories (population, labels, features) and on a simulated shop."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from proactive.predictors.churn import (
    FEATURES,
    HORIZON_DAYS,
    ChurnModel,
    NotEnoughHistory,
    PurchaseLog,
    churn_features,
    churn_labels,
    training_cutoffs,
)

CUTOFF = 1000.0


def _log(rows: list[tuple[int, float, float]]) -> PurchaseLog:
    customer, day, amount = zip(*rows, strict=True)
    return PurchaseLog(
        customer=np.array(customer, dtype=np.int64),
        day=np.array(day, dtype=np.float64),
        amount=np.array(amount, dtype=np.float64),
    )


FIXED = _log(
    [
        # 1: bought 300, 100 and 10 days before; buys again 20 days after -> not churned.
        (1, CUTOFF - 300, 10.0),
        (1, CUTOFF - 100, 30.0),
        (1, CUTOFF - 10, 20.0),
        (1, CUTOFF + 20, 5.0),
        # 2: one purchase 200 days before, nothing after -> churned.
        (2, CUTOFF - 200, 50.0),
        # 3: last bought 400 days before: not in the population.
        (3, CUTOFF - 400, 10.0),
        # 4: bought 30 days before; the next purchase is 13 weeks + 1 day after -> churned.
        (4, CUTOFF - 30, 10.0),
        (4, CUTOFF + HORIZON_DAYS + 1, 10.0),
    ]
)


def test_the_population_is_who_bought_in_the_52_weeks_before() -> None:
    ids, _ = churn_features(FIXED, CUTOFF)
    assert ids.tolist() == [1, 2, 4]


def test_the_label_is_no_purchase_in_the_13_weeks_after() -> None:
    ids, _ = churn_features(FIXED, CUTOFF)
    assert churn_labels(FIXED, ids, CUTOFF).tolist() == [0, 1, 1]


def test_features_use_only_the_past() -> None:
    _, features = churn_features(FIXED, CUTOFF)
    row = dict(zip(FEATURES, features[0], strict=True))
    assert row["recency_days"] == 10.0
    assert row["tenure_days"] == 300.0
    assert row["orders_52w"] == 3.0
    assert row["log_spend_52w"] == pytest.approx(np.log1p(60.0))
    assert row["orders_13w"] == 1.0
    assert row["mean_interval_days"] == pytest.approx(145.0)
    assert row["last_gap_days"] == 90.0
    assert row["average_order_value_52w"] == pytest.approx(20.0)
    single = dict(zip(FEATURES, features[1], strict=True))
    assert np.isnan(single["mean_interval_days"]) and single["purchase_days"] == 1.0


def _simulated_shop(seed: int, customers: int = 600) -> PurchaseLog:
    """Customers buy at their own Poisson rate until a random 'death'; some never die."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[int, float, float]] = []
    for customer in range(customers):
        rate = rng.gamma(2.0, 1 / 60)  # purchases per day: one every ~30 days on average
        start = rng.uniform(0, 200)
        death = start + rng.exponential(400)
        day = start
        while True:
            day += rng.exponential(1 / rate)
            if day > min(death, 1100):
                break
            rows.append((customer, day, float(rng.lognormal(3, 0.5))))
    return _log(rows)


def test_the_model_ranks_churners_above_loyal_customers() -> None:
    log = _simulated_shop(1)
    model = ChurnModel().fit(log, training_cutoffs(log, 900.0))
    ids, probability = model.probability(log, 900.0)
    labels = churn_labels(log, ids, 900.0)
    assert model.trained_rows > 1000
    assert roc_auc_score(labels, probability) > 0.75


def test_training_cutoffs_end_13_weeks_before_the_scoring_date() -> None:
    cutoffs = training_cutoffs(FIXED, CUTOFF)
    assert max(cutoffs) == CUTOFF - HORIZON_DAYS
    assert all(c >= CUTOFF - 400 + 28 for c in cutoffs)


def test_a_tiny_shop_says_it_cannot_learn() -> None:
    with pytest.raises(NotEnoughHistory, match="too few"):
        ChurnModel().fit(FIXED, [CUTOFF])


def test_a_small_shop_still_gets_a_ranking() -> None:
    """Under 2,000 training rows the minimum leaf shrinks, so a shop of 60 customers is not scored flat."""
    log = _simulated_shop(2, customers=60)
    model = ChurnModel().fit(log, training_cutoffs(log, 900.0))
    _, probability = model.probability(log, 900.0)
    assert model.trained_rows < 200
    assert np.unique(np.round(probability, 6)).size > 3
