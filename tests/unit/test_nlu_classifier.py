"""The intent classifier's fallback rules, with a tiny deterministic embedder instead of MiniLM."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pytest

from nlu.classifier import FALLBACK, IntentClassifier, choose_threshold
from nlu.embeddings import Matrix
from nlu.off_topic import OUT_OF_SCOPE, load_off_topic


class BagOfWordsEmbedder:
    """Each word a fixed random direction (seeded by its CRC32); a text is their normalised sum."""

    def embed(self, texts: Sequence[str]) -> Matrix:
        rows = []
        for text in texts:
            vector = np.zeros(32)
            for word in text.lower().split():
                vector += np.random.default_rng(zlib.crc32(word.encode())).standard_normal(32)
            rows.append(vector / (np.linalg.norm(vector) or 1.0))
        return np.array(rows, dtype=np.float32)


TRAINING = {
    "track_order": ["where is my order", "track my order please", "status of my order", "order tracking"],
    "get_refund": ["i want a refund", "give me my money back", "refund my purchase", "how do i get a refund"],
    "cancel_order": ["cancel my order", "i want to cancel the order", "stop my order", "cancel purchase"],
    OUT_OF_SCOPE: ["what's the weather today", "tell me a joke", "who won the football game", "play jazz"],
}


def _fitted(*, off_topic_class: bool = True, **options: float | None) -> IntentClassifier:
    chosen = {k: v for k, v in TRAINING.items() if off_topic_class or k != OUT_OF_SCOPE}
    texts = [t for examples in chosen.values() for t in examples]
    labels = [label for label, examples in chosen.items() for _ in examples]
    return IntentClassifier(BagOfWordsEmbedder(), **options).fit(texts, labels)  # type: ignore[arg-type]


def test_a_known_question_gets_its_intent_with_the_runner_up() -> None:
    [prediction] = _fitted(threshold=0.0).predict(["where is my order"])
    assert prediction.label == "track_order"
    assert not prediction.is_fallback
    assert len(prediction.ranking) == 2 and prediction.ranking[0][0] == "track_order"


def test_an_off_topic_message_lands_in_the_out_of_scope_class() -> None:
    [prediction] = _fitted(threshold=0.0).predict(["tell me a joke about the weather"])
    assert prediction.label == OUT_OF_SCOPE
    assert prediction.is_fallback


def test_out_of_scope_stays_out_of_scope_even_below_the_threshold() -> None:
    # The dialogue answers "I can't help with that" to out_of_scope, "please rephrase" to fallback.
    [prediction] = _fitted(threshold=0.999).predict(["tell me a joke about the weather"])
    assert prediction.confidence < 0.999
    assert prediction.label == OUT_OF_SCOPE


def test_below_the_threshold_a_message_falls_back_and_keeps_its_ranking() -> None:
    unsure, sure = _fitted(threshold=0.999), _fitted(threshold=0.0)
    [fallback] = unsure.predict(["where is my order"])
    [answer] = sure.predict(["where is my order"])
    assert fallback.label == FALLBACK and fallback.is_fallback
    assert fallback.ranking == answer.ranking  # the guess is still there for "did you mean ...?"


def test_the_similarity_gate_rejects_words_never_seen_in_any_intent() -> None:
    # Without an out_of_scope class the linear model must pick *some* intent for anything.
    plain = _fitted(off_topic_class=False, threshold=0.0)
    gated = _fitted(off_topic_class=False, threshold=0.0, similarity_gate=0.5)
    text = "quantum chromodynamics lecture notes"
    assert not plain.predict([text])[0].is_fallback
    far, near = gated.predict([text, "cancel my order"])
    assert far.label == FALLBACK
    assert near.label == "cancel_order"


@pytest.mark.parametrize(
    ("off_topic_confidence", "expected"),
    [
        ([0.2, 0.3, 0.4, 0.45], 0.5),  # 0.5 is the lowest that catches all four
        ([0.2, 0.3, 0.4, 0.9], 0.95),  # 100 % is out of reach: best balance is the top of the grid
    ],
)
def test_choose_threshold_is_the_lowest_that_reaches_the_target(
    off_topic_confidence: list[float], expected: float
) -> None:
    in_scope = np.array([0.99, 0.98, 0.97, 0.96])
    threshold = choose_threshold(
        in_scope,
        np.ones(4, dtype=bool),
        np.array(off_topic_confidence),
        np.zeros(4, dtype=bool),
        min_off_topic_caught=1.0,
        grid=[0.3, 0.5, 0.7, 0.95],
    )
    assert threshold == expected


def test_the_off_topic_set_is_large_and_has_no_duplicates() -> None:
    messages = load_off_topic()
    texts = [m.text for m in messages]
    assert len(texts) >= 400
    assert len(set(texts)) == len(texts)
    assert len({m.topic for m in messages}) >= 15
