"""The served classifier on realistic customer messages that it never saw in training.

The sets live in tests/nlu/ (each written by an author who had not seen the training data):
`realistic_*.yml` are in-domain messages labelled with their intent (and further requests),
`off_topic_*.yml` are CLINC-style messages the shop does not handle. Used by the test that holds
the goals and by `bench/nlu_realistic.py`, which prints the per-intent table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sklearn.metrics import f1_score, precision_recall_fscore_support

from nlu.classifier import FALLBACK, IntentClassifier
from nlu.off_topic import OUT_OF_SCOPE
from nlu.service import parse_texts

TEST_SETS = Path(__file__).resolve().parent.parent / "tests" / "nlu"
REJECTED = frozenset({FALLBACK, OUT_OF_SCOPE})


@dataclass(frozen=True)
class Labelled:
    text: str
    intent: str
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentFigures:
    intent: str
    support: int
    precision: float
    recall: float
    f1: float
    fallback: int


@dataclass
class Report:
    name: str
    in_domain: int
    off_topic: int
    macro_f1: float
    accuracy: float
    fallback_rate: float
    off_topic_caught: float
    multi: int
    multi_all_found: float
    spurious_requests: float
    per_intent: list[IntentFigures] = field(default_factory=list)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    misses: list[tuple[str, str, str]] = field(default_factory=list)


def load_set(path: Path) -> list[Labelled]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Labelled(str(m["text"]), str(m["intent"]), tuple(str(a) for a in m.get("also") or ()))
        for m in document.get("messages") or []
    ]


def evaluate(
    classifier: IntentClassifier, name: str, in_domain: Sequence[Labelled], off_topic: Sequence[Labelled]
) -> Report:
    """Per-intent precision / recall / F1, the fallback rate and the off-topic catch rate."""
    truth, predicted, fallbacks = [], [], Counter[str]()
    misses, pairs = [], Counter[tuple[str, str]]()
    multi = multi_found = spurious = 0
    parsed_all = parse_texts(classifier, [m.text for m in in_domain])
    for message, parsed in zip(in_domain, parsed_all, strict=True):
        label = str(parsed["intent"]["name"])
        requests = [label, *parsed["requests"]]
        # In "where is it and can I get the invoice" either request may be named first.
        accepted = {message.intent, *message.also}
        got = message.intent if label in accepted else label
        truth.append(message.intent)
        predicted.append(got)
        if got in REJECTED:
            fallbacks[message.intent] += 1
        if got != message.intent:
            misses.append((message.text, message.intent, label))
            pairs[(message.intent, label)] += 1
        if message.also:
            multi += 1
            multi_found += accepted <= set(requests)
        else:
            spurious += len(set(requests) - {message.intent}) > 0 and label not in REJECTED
    off = parse_texts(classifier, [m.text for m in off_topic])
    caught = sum(1 for parsed in off if parsed["intent"]["name"] in REJECTED)
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    single = len(in_domain) - multi
    return Report(
        name=name,
        in_domain=len(in_domain),
        off_topic=len(off_topic),
        macro_f1=float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        accuracy=sum(t == p for t, p in zip(truth, predicted, strict=True)) / max(1, len(truth)),
        fallback_rate=sum(fallbacks.values()) / max(1, len(in_domain)),
        off_topic_caught=caught / max(1, len(off_topic)),
        multi=multi,
        multi_all_found=multi_found / max(1, multi),
        spurious_requests=spurious / max(1, single),
        per_intent=[
            IntentFigures(label, int(s), float(p), float(r), float(f), fallbacks[label])
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        ],
        confusions=[(t, p, n) for (t, p), n in pairs.most_common(15)],
        misses=misses,
    )


def available_sets(folder: Path = TEST_SETS) -> list[tuple[str, Path, Path | None]]:
    """(name, in-domain file, off-topic file or None) for every realistic set in `folder`."""
    found = []
    for path in sorted(folder.glob("realistic_*.yml")):
        suffix = path.stem.removeprefix("realistic_")
        off = folder / f"off_topic_{suffix}.yml"
        found.append((suffix, path, off if off.exists() else None))
    return found
