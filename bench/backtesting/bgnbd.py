"""BG/NBD (Fader, Hardie and Lee 2005), fitted by maximum likelihood: the churn baseline.

No well-kept library provides it: `lifetimes` has had no release since 2020 and is archived, and
`btyd` (its fork) has only a 2022 beta. The model is small enough to write out here.

Per customer, in weeks: x repeat purchase days, t_x the time of the last one after the first
purchase, T the time from the first purchase to the cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from proactive.predictors.churn import PurchaseLog

FloatArray = NDArray[np.float64]
WEEK = 7.0


@dataclass(frozen=True)
class Summary:
    customer: NDArray[np.int64]
    x: FloatArray
    t_x: FloatArray
    T: FloatArray


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float

    def expected_purchases(self, data: Summary, weeks: float) -> FloatArray:
        """E[purchases in the next `weeks`] given each customer's (x, t_x, T)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, big_t = data.x, data.t_x, data.T
        ratio = weeks / (alpha + big_t + weeks)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - ((alpha + big_t) / (alpha + big_t + weeks)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, ratio
        )
        alive_odds = np.where(x > 0, a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x), 0.0)
        expected: FloatArray = head * tail / (1 + alive_odds)
        return expected


def summarise(log: PurchaseLog, cutoff: float) -> Summary:
    before = log.day < cutoff
    keys = np.unique(log.customer[before] * 1_000_000 + np.floor(log.day[before]).astype(np.int64))
    customer = keys // 1_000_000
    day = (keys % 1_000_000).astype(np.float64)
    ids, index = np.unique(customer, return_inverse=True)
    first = np.full(ids.size, np.inf)
    np.minimum.at(first, index, day)
    last = np.full(ids.size, -np.inf)
    np.maximum.at(last, index, day)
    count = np.bincount(index, minlength=ids.size).astype(np.float64)
    return Summary(
        customer=ids,
        x=count - 1,
        t_x=(last - first) / WEEK,
        T=(np.floor(cutoff) - first) / WEEK,
    )


def negative_log_likelihood(params: FloatArray, data: Summary) -> float:
    r, alpha, a, b = np.exp(params)
    x, t_x, big_t = data.x, data.t_x, data.T
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    first = common + betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        second = np.where(
            x > 0,
            common + betaln(a + 1, b + np.maximum(x, 1) - 1) - betaln(a, b) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return -float(np.sum(np.logaddexp(first, second)))


def fit(data: Summary) -> BgNbd:
    result = minimize(
        negative_log_likelihood,
        x0=np.log([0.5, 5.0, 1.5, 3.0]),
        args=(data,),
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-6},
    )
    if not result.success:
        raise ValueError(f"BG/NBD fit did not converge: {result.message}")
    r, alpha, a, b = np.exp(result.x)
    return BgNbd(float(r), float(alpha), float(a), float(b))
