"""The configuration the assistant serves, evaluated the way it is trained.

`nlu.service` fits `IntentClassifier(embedder, **CLASSIFIER_OPTIONS)` on every example in
data/nlu (the Bitext-generated files plus the shop's own intents) and the usual off-topic
messages. Here each fold trains on that minus the held-out Bitext and off-topic folds: the shop
examples always stay in training, since they compete with Bitext but are not what is measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from nlu.classifier import FALLBACK, IntentClassifier
from nlu.embeddings import Embedder, MiniLMEmbedder
from nlu.off_topic import OUT_OF_SCOPE
from nlu.service import MAX_TEXT_CHARS, parse_text, training_examples
from nlu.settings import CLASSIFIER_OPTIONS
from nlu.training_examples import Example, nlu_files, read_examples
from nlu_bench.common import PROJECT_ROOT, SEED, Data, OffTopicSplit, in_scope_folds, off_topic_folds

SERVED = f"Served: all intents +OOS @{CLASSIFIER_OPTIONS['threshold']}"
DATA_DIR = PROJECT_ROOT / "data"
REJECTED = (FALLBACK, OUT_OF_SCOPE)


@dataclass(frozen=True)
class ServedData:
    bitext: list[Example]  # as generated into data/nlu/bitext: the 27 intents the goal is about
    shop: list[Example]  # everything else in data/nlu (shop intents, chitchat): always trained on
    off: Data  # the off-topic parts (usual, hard negatives, fresh) are the bench's own


def load_served(off: Data, data_dir: Path = DATA_DIR) -> ServedData:
    files = nlu_files(data_dir)
    bitext_dir = data_dir / "nlu" / "bitext"
    bitext_texts = {e.text for e in read_examples(f for f in files if bitext_dir in f.parents)}
    # The same de-duplicated list the service trains on (Bitext files sort first, so they win ties).
    examples = read_examples(files)
    return ServedData(
        bitext=[e for e in examples if e.text in bitext_texts],
        shop=[e for e in examples if e.text not in bitext_texts],
        off=off,
    )


def _decide(model: IntentClassifier, texts: Sequence[str]) -> list[str]:
    """What `parse_text` answers, in one batch: same cleaning, same fallback rule."""
    return [p.label for p in model.predict([" ".join(t.split())[:MAX_TEXT_CHARS] for t in texts])]


def cross_validate_served(
    sd: ServedData, embedder: Embedder, folds: int, split: OffTopicSplit
) -> dict[str, Any]:
    labels = [e.intent for e in sd.bitext]
    intents = sorted(set(labels))
    shop_only = {e.intent for e in sd.shop} - set(intents)
    off = sd.off
    truth: list[str] = []
    predicted: list[str] = []
    texts: list[str] = []
    caught: list[bool] = []
    hard: list[float] = []
    fresh: list[float] = []
    fit_seconds: list[float] = []
    splits = zip(in_scope_folds(labels, folds), off_topic_folds(off, folds, split), strict=True)
    for (tr, te), (otr, ote) in splits:
        train = [sd.bitext[i] for i in tr] + sd.shop + [Example(off.off_topic[i], OUT_OF_SCOPE) for i in otr]
        started = time.perf_counter()
        model = IntentClassifier(embedder, **CLASSIFIER_OPTIONS).fit(
            [e.text for e in train], [e.intent for e in train]
        )
        fit_seconds.append(time.perf_counter() - started)
        held_out = [sd.bitext[i].text for i in te]
        decided = _decide(model, held_out)
        for text, label in list(zip(held_out, decided, strict=True))[:25]:  # the batch path is parse_text
            assert parse_text(model, text)["intent"]["name"] == label, text
        texts += held_out
        truth += [labels[i] for i in te]
        predicted += decided
        caught += [d in REJECTED for d in _decide(model, [off.off_topic[i] for i in ote])]
        hard.append(float(np.mean([d in REJECTED for d in _decide(model, off.hard)])))
        fresh.append(float(np.mean([d in REJECTED for d in _decide(model, off.fresh)])))
    wrong = [(x, t, p) for x, t, p in zip(texts, truth, predicted, strict=True) if t != p]
    return {
        "bitext_examples": len(sd.bitext),
        "shop_examples": len(sd.shop),
        "accuracy": float(np.mean(np.array(truth) == np.array(predicted))),
        "macro_f1": float(f1_score(truth, predicted, labels=intents, average="macro")),
        "in_scope_fallback": float(np.mean(np.isin(predicted, REJECTED))),
        "oos_caught": float(np.mean(caught)),
        "hard_caught": float(np.mean(hard)),
        "fresh_caught": float(np.mean(fresh)),
        "train_seconds": float(np.median(fit_seconds)),
        "confusions": Counter(f"{t} -> {p}" for _, t, p in wrong).most_common(15),
        "to_shop_intent": [{"text": x, "intent": t, "predicted": p} for x, t, p in wrong if p in shop_only],
    }


def latency_ms(embedder: Embedder, data_dir: Path = DATA_DIR, n: int = 200) -> dict[str, float]:
    """`parse_text` for one message at a time, on the full served model with a live 1-thread MiniLM."""
    examples = training_examples(data_dir)
    model = IntentClassifier(embedder, **CLASSIFIER_OPTIONS).fit(
        [e.text for e in examples], [e.intent for e in examples]
    )
    model.embedder = MiniLMEmbedder(threads=1)  # what the service does after training
    parse_text(model, "warm up")
    rng = np.random.default_rng(SEED)
    sample = [examples[i].text for i in rng.choice(len(examples), n, replace=False)]
    timings = []
    for text in sample:
        started = time.perf_counter()
        parse_text(model, text)
        timings.append((time.perf_counter() - started) * 1000)
    return {"p50": float(np.percentile(timings, 50)), "p95": float(np.percentile(timings, 95)), "n": n}


# Runs in a fresh interpreter: imports, MiniLM load, embedding every text (no cache), fit.
_COLD_TRAINING = """
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from nlu.classifier import IntentClassifier
from nlu.embeddings import MiniLMEmbedder
from nlu.service import training_examples
from nlu.settings import CLASSIFIER_OPTIONS
examples = training_examples(Path(sys.argv[1]) / "data")
ready = time.perf_counter()
IntentClassifier(MiniLMEmbedder(threads=2), **CLASSIFIER_OPTIONS).fit(
    [e.text for e in examples], [e.intent for e in examples])
done = time.perf_counter()
print(json.dumps({"seconds": done - started, "embed_and_fit_seconds": done - ready,
                  "texts": len(examples), "intents": len({e.intent for e in examples})}))
"""


def cold_training() -> dict[str, float]:
    """Full training as on a fresh checkout, in its own process with 2 torch threads."""
    done = subprocess.run(
        [sys.executable, "-c", _COLD_TRAINING, str(PROJECT_ROOT)], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def evaluate_served(off: Data, embedder: Embedder, folds: int) -> dict[str, Any]:
    sd = load_served(off)
    embedder.embed([e.text for e in sd.bitext + sd.shop])  # one batch pass; folds then hit the cache
    result = cross_validate_served(sd, embedder, folds, "random")
    unseen = cross_validate_served(sd, embedder, folds, "topic")
    result["oos_caught_unseen_topics"] = unseen["oos_caught"]
    result["macro_f1_unseen_topic_run"] = unseen["macro_f1"]
    result["latency_ms"] = latency_ms(embedder)
    result["cold_training"] = cold_training()
    return result
