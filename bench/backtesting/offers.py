"""Offers: hit rate and NDCG at 5 on the products customers buy for the first time after the cutoff.

Customers with a purchase before the cutoff who buy at least one product new to them in the
`WINDOW_DAYS` after it. Every method offers only products sold in the 13 weeks before the cutoff
and never one the customer already bought. The candidate's blend weight and half-life are fitted
on the window before the cutoff (history before cutoff - WINDOW_DAYS); popularity is the
candidate with weight 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backtesting.retail import Retail
from nlu.embeddings import Embedder
from proactive.predictors.offers import (
    OfferParameters,
    PurchaseLines,
    popularity,
    rank_offers,
    taste_profiles,
)

WINDOW_DAYS = 28.0
K = 5
CANDIDATE = "MiniLM taste + popularity (candidate)"
POPULARITY = "popularity"
TASTE_ONLY = "MiniLM taste alone (reference)"
GRID = tuple(
    OfferParameters(similarity_weight=weight, half_life_days=half_life)
    for weight in (0.25, 0.5, 0.75)
    for half_life in (30.0, 90.0)
)


@dataclass(frozen=True)
class Ranking:
    hit_rate: float
    ndcg: float


@dataclass(frozen=True)
class OffersResult:
    customers: int
    train_customers: int
    params: OfferParameters
    scores: dict[str, Ranking]


def product_texts(retail: Retail) -> list[str]:
    # The file's descriptions are upper case; the model reads lower case the same or better.
    return [name.lower() for name in retail.product_names]


def score_window(
    retail: Retail, embeddings: NDArray[np.float32], cutoff: float, params: OfferParameters
) -> tuple[int, Ranking]:
    lines = PurchaseLines(retail.line_customer, retail.line_product, retail.line_day)
    products = embeddings.shape[0]
    before = lines.day < cutoff
    after = (lines.day >= cutoff) & (lines.day < cutoff + WINDOW_DAYS)
    owned_keys = np.unique(lines.customer[before] * products + lines.product[before])
    new_keys = np.setdiff1d(np.unique(lines.customer[after] * products + lines.product[after]), owned_keys)
    customers = np.intersect1d(np.unique(new_keys // products), np.unique(owned_keys // products))
    row = np.full(retail.customers, -1, dtype=np.int64)
    row[customers] = np.arange(customers.size)
    history = before & (row[lines.customer] >= 0)
    mine = PurchaseLines(row[lines.customer[history]], lines.product[history], lines.day[history])
    profiles = taste_profiles(mine, embeddings, customers.size, cutoff, params.half_life_days)
    popular = popularity(lines, products, cutoff, params.popularity_days)
    top, _ = rank_offers(profiles, embeddings, popular, mine, params, k=K, offerable=popular > 0)
    wanted = np.zeros((customers.size, products), dtype=bool)
    new_customer = row[new_keys // products]
    keep = new_customer >= 0
    wanted[new_customer[keep], (new_keys % products)[keep]] = True
    relevant = np.take_along_axis(wanted, top, axis=1)
    discount = 1.0 / np.log2(np.arange(2, K + 2))
    ideal = np.cumsum(discount)[np.minimum(wanted.sum(axis=1), K) - 1]
    return int(customers.size), Ranking(
        hit_rate=float(relevant.any(axis=1).mean()),
        ndcg=float(((relevant * discount).sum(axis=1) / ideal).mean()),
    )


def run(retail: Retail, cutoff: float, embedder: Embedder) -> OffersResult:
    embeddings = embedder.embed(product_texts(retail))
    train_cutoff = cutoff - WINDOW_DAYS
    fitted = {params: score_window(retail, embeddings, train_cutoff, params) for params in GRID}
    params = max(GRID, key=lambda p: (fitted[p][1].ndcg, fitted[p][1].hit_rate))
    train_customers = fitted[params][0]
    customers, candidate = score_window(retail, embeddings, cutoff, params)
    _, popular = score_window(retail, embeddings, cutoff, OfferParameters(similarity_weight=0.0))
    _, taste = score_window(
        retail,
        embeddings,
        cutoff,
        OfferParameters(similarity_weight=1.0, half_life_days=params.half_life_days),
    )
    return OffersResult(
        customers=customers,
        train_customers=train_customers,
        params=params,
        scores={CANDIDATE: candidate, POPULARITY: popular, TASTE_ONLY: taste},
    )
