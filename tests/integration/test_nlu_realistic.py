"""The served classifier on the realistic test sets (tests/nlu/), which it never trained on.

Goals (the conversations issue): on each set at most 5 % of in-domain messages go to fallback,
macro-F1 of at least 0.93, and at least 90 % of CLINC-style off-topic messages go to fallback.
`bench/nlu_realistic.py` prints the per-intent table behind these figures.
"""

from __future__ import annotations

import pytest

from nlu.classifier import IntentClassifier
from nlu.embeddings import MiniLMEmbedder
from nlu.evaluation import Report, available_sets, evaluate, load_set
from nlu.service import PROJECT_ROOT, load_or_train

SETS = available_sets()


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    # The same classifier the NLU service serves (trained once, then loaded from var/nlu).
    return load_or_train(PROJECT_ROOT / "data", MiniLMEmbedder(threads=2))


def test_there_are_two_independent_realistic_sets() -> None:
    sizes = {name: len(load_set(path)) for name, path, _ in SETS}
    assert len(sizes) >= 2 and sizes["1"] >= 400 and sizes["2"] >= 200, sizes


@pytest.mark.parametrize(("name", "path", "off_path"), SETS, ids=[name for name, _, _ in SETS])
def test_realistic_messages_meet_the_goals(classifier: IntentClassifier, name: str, path, off_path) -> None:  # type: ignore[no-untyped-def]
    report: Report = evaluate(classifier, name, load_set(path), load_set(off_path))

    assert report.fallback_rate <= 0.05, report.fallback_rate
    assert report.macro_f1 >= 0.93, report.macro_f1
    assert report.off_topic_caught >= 0.90, report.off_topic_caught
