"""Churn: AUC of the predictor against recency alone and BG/NBD, on the 13 weeks after the cutoff.

Population and label are the predictor's own (`proactive.predictors.churn`): customers with a
purchase in the 52 weeks before the cutoff; churned = no purchase in the 13 weeks after it. The
model is trained on earlier cutoffs whose 13 weeks end by the test cutoff; BG/NBD is fitted on the
purchases before the test cutoff (it needs no labels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from backtesting import bgnbd
from backtesting.retail import Retail, Split
from proactive.predictors.churn import (
    FEATURES,
    HORIZON_DAYS,
    ChurnModel,
    NotEnoughHistory,
    churn_features,
    churn_labels,
    training_cutoffs,
)

CANDIDATE = "boosted trees (candidate)"
RECENCY = "recency alone"
BG_NBD = "BG/NBD (fitted here)"


@dataclass(frozen=True)
class ChurnResult:
    training_rows: int
    population: int
    churn_rate: float
    auc: dict[str, float]
    # The same model trained 13 weeks earlier and scored at the training cutoff: shows whether
    # the test figure is a fluke of the test period.
    validation_auc: float | None  # None when the data is too short for a split before the training cutoff
    bgnbd_params: bgnbd.BgNbd | None
    bgnbd_error: str | None


def run(retail: Retail, split: Split) -> ChurnResult:
    log = retail.orders
    model = ChurnModel().fit(log, training_cutoffs(log, split.cutoff))
    ids, probability = model.probability(log, split.cutoff)
    labels = churn_labels(log, ids, split.cutoff)
    _, features = churn_features(log, split.cutoff)
    auc = {
        CANDIDATE: float(roc_auc_score(labels, probability)),
        RECENCY: float(roc_auc_score(labels, features[:, FEATURES.index("recency_days")])),
    }
    validation_auc: float | None = None
    try:
        earlier = ChurnModel().fit(log, training_cutoffs(log, split.train_cutoff))
        validation_ids, validation_probability = earlier.probability(log, split.train_cutoff)
        validation_auc = float(
            roc_auc_score(churn_labels(log, validation_ids, split.train_cutoff), validation_probability)
        )
    except NotEnoughHistory:
        pass
    params: bgnbd.BgNbd | None = None
    error: str | None = None
    try:
        summary = bgnbd.summarise(log, split.cutoff)
        params = bgnbd.fit(summary)
        expected = params.expected_purchases(summary, HORIZON_DAYS / bgnbd.WEEK)
        by_customer = dict(zip(summary.customer.tolist(), expected.tolist(), strict=True))
        # Fewer expected purchases = more likely to churn.
        auc[BG_NBD] = float(roc_auc_score(labels, [-by_customer[int(c)] for c in ids]))
    except (ValueError, FloatingPointError) as failure:
        error = str(failure)
    return ChurnResult(
        training_rows=model.trained_rows,
        population=int(ids.size),
        churn_rate=float(np.mean(labels)),
        auc=auc,
        validation_auc=validation_auc,
        bgnbd_params=params,
        bgnbd_error=error,
    )
