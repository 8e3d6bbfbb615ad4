"""The intent classifier: MiniLM embeddings + character n-grams, a linear model, a fallback.

Why this shape (measured in bench/nlu_eval.py, written up in docs/nlu.md): frozen sentence
embeddings carry meaning but blur rare spellings and typos; character n-grams carry exactly
those. An explicit `out_of_scope` class, trained on everyday off-topic messages, catches
off-topic requests far better than a confidence threshold alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from nlu.embeddings import Embedder
from nlu.off_topic import OUT_OF_SCOPE

# Same name as Rasa's FallbackClassifier intent, so the dialogue rules need no translation.
FALLBACK = "nlu_fallback"
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Prediction:
    """The decision for one message; `ranking` is the model's best labels before any fallback."""

    label: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]

    @property
    def is_fallback(self) -> bool:
        return self.label in (FALLBACK, OUT_OF_SCOPE)


class IntentClassifier:
    """fit(texts, labels) then predict(texts); include `out_of_scope` examples to learn that class.

    A message falls back (label `nlu_fallback`) when the top probability is below `threshold`,
    or, with `similarity_gate`, when no training example of a real intent is that close
    (cosine) — a nearest-neighbour check that does not depend on the linear model's calibration.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        threshold: float = 0.5,
        char_ngrams: tuple[int, int] | None = (1, 4),
        model: Literal["logreg", "svm"] = "logreg",
        c: float = 10.0,
        similarity_gate: float | None = None,
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.similarity_gate = similarity_gate
        self._char_ngrams = char_ngrams
        self._model_kind = model
        self._c = c
        self._vectorizer: TfidfVectorizer | None = None
        self._model: Any = None
        self._classes: list[str] = []
        self._intent_vectors: NDArray[np.float32] | None = None

    def _features(self, texts: Sequence[str], embeddings: NDArray[np.float32], *, fit: bool) -> Any:
        if self._char_ngrams is None:
            return embeddings
        if fit:
            # char_wb n-grams: robust to typos ("inovice") and to words MiniLM splits oddly.
            self._vectorizer = TfidfVectorizer(
                analyzer="char_wb", ngram_range=self._char_ngrams, lowercase=True, sublinear_tf=True
            )
            grams = self._vectorizer.fit_transform(texts)
        else:
            assert self._vectorizer is not None, "fit() first"
            grams = self._vectorizer.transform(texts)
        # Both blocks are L2-normalised rows, so neither dominates the linear model by scale.
        return sparse.hstack([sparse.csr_matrix(embeddings), grams], format="csr")

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        embeddings = self.embedder.embed(texts)
        features = self._features(texts, embeddings, fit=True)
        if self._model_kind == "svm":
            self._model = CalibratedClassifierCV(LinearSVC(C=self._c), method="sigmoid", cv=3)
        else:
            self._model = LogisticRegression(C=self._c, max_iter=3000)
        self._model.fit(features, list(labels))
        self._classes = [str(c) for c in self._model.classes_]
        in_scope = np.array([label != OUT_OF_SCOPE for label in labels])
        self._intent_vectors = embeddings[in_scope]
        return self

    @property
    def classes(self) -> list[str]:
        return list(self._classes)

    def scores(self, texts: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        """Class probabilities (columns in `classes` order) and the best cosine to a real intent."""
        assert self._model is not None and self._intent_vectors is not None, "fit() first"
        embeddings = self.embedder.embed(texts)
        probabilities = np.asarray(
            self._model.predict_proba(self._features(texts, embeddings, fit=False)), dtype=np.float64
        )
        similarity = np.asarray((embeddings @ self._intent_vectors.T).max(axis=1), dtype=np.float64)
        return probabilities, similarity

    def predict(self, texts: Sequence[str], ranking_length: int = 2) -> list[Prediction]:
        if not texts:
            return []
        probabilities, similarity = self.scores(texts)
        order = np.argsort(probabilities, axis=1)[:, ::-1][:, :ranking_length]
        top_labels = [self._classes[row[0]] for row in order]
        confidence = probabilities[np.arange(len(texts)), order[:, 0]]
        fallback = fallback_mask(
            top_labels, confidence, similarity, threshold=self.threshold, similarity_gate=self.similarity_gate
        )
        return [
            Prediction(
                label=FALLBACK if falls_back else label,
                confidence=float(top),
                ranking=tuple((self._classes[i], float(row[i])) for i in ranks),
            )
            for label, top, falls_back, ranks, row in zip(
                top_labels, confidence, fallback, order, probabilities, strict=True
            )
        ]


def fallback_mask(
    top_labels: Sequence[str],
    confidence: FloatArray,
    similarity: FloatArray,
    *,
    threshold: float,
    similarity_gate: float | None,
) -> BoolArray:
    """Which predictions become `nlu_fallback`: unsure, or far from every real example.

    An `out_of_scope` prediction stays as it is (it is already a decision to answer "I can't
    help with that"), so the dialogue can tell "off-topic" from "unsure".
    """
    unsure = confidence < threshold
    if similarity_gate is not None:
        unsure = unsure | (similarity < similarity_gate)
    return np.asarray(unsure & (np.asarray(top_labels) != OUT_OF_SCOPE), dtype=np.bool_)


def choose_threshold(
    in_scope_confidence: FloatArray,
    in_scope_correct: BoolArray,
    off_topic_confidence: FloatArray,
    off_topic_rejected: BoolArray,
    *,
    min_off_topic_caught: float = 0.97,
    grid: Sequence[float] = tuple(np.round(np.arange(0.05, 0.96, 0.05), 2)),
) -> float:
    """The lowest threshold that sends `min_off_topic_caught` of off-topic messages to fallback.

    Inputs are out-of-fold scores on *training* data (never the evaluated fold). `*_rejected`
    marks messages already sent away by the out_of_scope class or the similarity gate;
    `in_scope_correct` is False for those. The lowest qualifying threshold keeps the most real
    questions. When none qualifies, the threshold with the best sum of "real questions answered
    right" and "off-topic caught" wins, so an unreachable target does not reject everything.
    """
    best, best_score = float(grid[-1]), -1.0
    for threshold in grid:
        caught = float(np.mean(off_topic_rejected | (off_topic_confidence < threshold)))
        if caught >= min_off_topic_caught:
            return float(threshold)
        kept_right = float(np.mean(in_scope_correct & (in_scope_confidence >= threshold)))
        if kept_right + caught > best_score:
            best, best_score = float(threshold), kept_right + caught
    return best
