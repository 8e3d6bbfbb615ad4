"""Offer ranking on hand-made embeddings: taste, popularity, recency and what is never offered."""

from __future__ import annotations

import numpy as np
import pytest

from proactive.predictors.offers import (
    OfferParameters,
    PurchaseLines,
    popularity,
    rank_offers,
    taste_profiles,
)

# Products 0-1 coffee, 2-3 tea, 4 a bestseller unlike both (axis 2).
EMBEDDINGS = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.1, 0.9, 0], [0, 0, 1]], dtype=np.float32)
EMBEDDINGS /= np.linalg.norm(EMBEDDINGS, axis=1, keepdims=True)
NOW = 100.0


def _lines(rows: list[tuple[int, int, float]]) -> PurchaseLines:
    customer, product, day = zip(*rows, strict=True) if rows else ((), (), ())
    return PurchaseLines(
        customer=np.array(customer, dtype=np.int64),
        product=np.array(product, dtype=np.int64),
        day=np.array(day, dtype=np.float64),
    )


def _rank(lines: PurchaseLines, popular: np.ndarray, weight: float, customers: int = 1, k: int = 2):  # type: ignore[no-untyped-def]
    params = OfferParameters(similarity_weight=weight, half_life_days=10.0)
    profiles = taste_profiles(lines, EMBEDDINGS, customers, NOW, params.half_life_days)
    return rank_offers(profiles, EMBEDDINGS, popular, lines, params, k=k)


FLAT = np.full(5, 0.5)


def test_a_coffee_buyer_is_offered_the_other_coffee_first_and_never_what_they_own() -> None:
    top, scores = _rank(_lines([(0, 0, 90.0)]), FLAT, weight=0.8)
    assert top[0, 0] == 1
    assert 0 not in top[0]
    assert scores[0, 0] >= scores[0, 1]


def test_recent_purchases_weigh_more_than_old_ones() -> None:
    # Tea long ago, coffee yesterday: coffee taste wins.
    top, _ = _rank(_lines([(0, 2, 10.0), (0, 0, 99.0)]), FLAT, weight=1.0, k=1)
    assert top[0, 0] == 1


def test_without_taste_weight_the_ranking_is_popularity() -> None:
    popular = np.array([0.1, 0.2, 0.3, 0.4, 1.0])
    top, _ = _rank(_lines([(0, 0, 90.0)]), popular, weight=0.0)
    assert top[0].tolist() == [4, 3]


def test_a_customer_without_purchases_gets_the_popular_products() -> None:
    popular = np.array([0.1, 0.2, 0.3, 0.4, 1.0])
    top, _ = _rank(_lines([(0, 0, 90.0)]), popular, weight=0.5, customers=2)
    assert top[1].tolist() == [4, 3]


def test_future_purchases_are_not_seen() -> None:
    profiles = taste_profiles(_lines([(0, 2, NOW + 5)]), EMBEDDINGS, 1, NOW, 10.0)
    assert np.allclose(profiles, 0.0)


def test_popularity_counts_distinct_recent_buyers() -> None:
    lines = _lines([(0, 4, 95.0), (0, 4, 96.0), (1, 4, 97.0), (2, 0, 98.0), (3, 0, 10.0)])
    popular = popularity(lines, 5, NOW, window_days=30.0)
    assert popular[4] == 1.0  # two buyers, the most popular
    assert popular[0] == pytest.approx(np.log(2) / np.log(3))  # one recent buyer; the old one is out
    assert popular[1] == 0.0


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="bad offer parameters"):
        OfferParameters(similarity_weight=1.5)
