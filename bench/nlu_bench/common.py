"""Paths, the Bitext + off-topic data set and the fold splits every evaluation shares."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sklearn.model_selection import GroupKFold, StratifiedKFold

from nlu.off_topic import EVALUATION_ONLY_TOPICS, FRESH_HOLDOUT_TOPIC, HARD_NEGATIVES_TOPIC, load_off_topic

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "datasets" / "bitext" / "bitext_dev.csv"
VAR = PROJECT_ROOT / "var"
RESULTS = VAR / "nlu-eval.json"
DIET_RESULTS = VAR / "nlu-eval-diet.json"
SERVED_RESULTS = VAR / "nlu-eval-served.json"
EMBEDDING_CACHE = VAR / "nlu-embeddings.npz"
CHART = PROJECT_ROOT / "docs" / "figures" / "nlu-pipelines.svg"
SEED = 42

OffTopicSplit = Literal["random", "topic"]
Folds = Iterator[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]


@dataclass(frozen=True)
class Data:
    texts: list[str]
    labels: list[str]
    off_topic: list[str]
    topics: list[str]
    hard: list[str]  # other services' account/refund talk: never trained on, reported apart
    fresh: list[str]  # written after the first run: never trained on, never tuned against


def load_data(path: Path) -> Data:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    messages = load_off_topic()
    usual = [m for m in messages if m.topic not in EVALUATION_ONLY_TOPICS]
    return Data(
        texts=[r["instruction"] for r in rows],
        labels=[r["intent"] for r in rows],
        off_topic=[m.text for m in usual],
        topics=[m.topic for m in usual],
        hard=[m.text for m in messages if m.topic == HARD_NEGATIVES_TOPIC],
        fresh=[m.text for m in messages if m.topic == FRESH_HOLDOUT_TOPIC],
    )


def in_scope_folds(labels: list[str], folds: int) -> Folds:
    splits: Folds = StratifiedKFold(folds, shuffle=True, random_state=SEED).split(labels, labels)
    return splits


def off_topic_folds(data: Data, folds: int, split: OffTopicSplit) -> Folds:
    """At random (topics seen in training) or by topic (held-out folds hold unseen topics)."""
    splits: Folds = (
        GroupKFold(folds).split(data.off_topic, groups=data.topics)
        if split == "topic"
        else StratifiedKFold(folds, shuffle=True, random_state=SEED).split(data.off_topic, data.topics)
    )
    return splits
