"""Rasa's DIET, trained in the Rasa environment (.venv-rasa, no torch there) on one 80/20 split.

Too slow for 5 folds (minutes per fit on one TF thread): one stratified split, same seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from nlu.classifier import FALLBACK
from nlu.off_topic import OUT_OF_SCOPE
from nlu_bench.common import PROJECT_ROOT, SEED, Data

_DIET_CONFIG = """recipe: default.v1
language: en
assistant_id: nlu-eval
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: {epochs}
    entity_recognition: false
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies: []
"""

# Runs inside .venv-rasa: parse every text with the trained model, keep DIET's own ranking.
_DIET_PARSE = """
import asyncio, json, sys, time
from rasa.core.agent import Agent
async def main():
    agent = Agent.load(sys.argv[1])
    out = []
    for text in json.load(open(sys.argv[2])):
        started = time.perf_counter()
        r = await agent.parse_message(text)
        ranking = [x for x in r.get("intent_ranking", []) if x["name"] != "nlu_fallback"]
        out.append({"label": r["intent"]["name"], "top": ranking[0]["name"],
                    "confidence": ranking[0]["confidence"], "ms": 1000 * (time.perf_counter() - started)})
    json.dump(out, open(sys.argv[3], "w"))
asyncio.run(main())
"""


def run_diet(data: Data, epochs: int, with_oos_class: bool) -> dict[str, Any]:
    rasa_python = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
    tr, te = train_test_split(
        np.arange(len(data.texts)), test_size=0.2, stratify=data.labels, random_state=SEED
    )
    otr, ote = train_test_split(
        np.arange(len(data.off_topic)), test_size=0.2, stratify=data.topics, random_state=SEED
    )
    examples: dict[str, list[str]] = {}
    for i in tr:
        examples.setdefault(data.labels[i], []).append(data.texts[i])
    if with_oos_class:
        examples[OUT_OF_SCOPE] = [data.off_topic[i] for i in otr]
    work = Path(tempfile.mkdtemp(prefix="nlu-diet-"))
    (work / "config.yml").write_text(_DIET_CONFIG.format(epochs=epochs))
    nlu = ['version: "3.1"', "nlu:"]
    for intent, texts in examples.items():
        nlu += [f"- intent: {intent}", "  examples: |"] + [f"    - {t}" for t in texts]
    (work / "nlu.yml").write_text("\n".join(nlu) + "\n")
    env = {**os.environ, "TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"}
    env["RASA_TELEMETRY_ENABLED"] = "false"
    started = time.perf_counter()
    train = [str(rasa_python), "-m", "rasa", "train", "nlu", "-c", "config.yml", "--nlu", "nlu.yml"]
    subprocess.run([*train, "--out", "models", "--fixed-model-name", "diet"], cwd=work, env=env, check=True)
    train_seconds = time.perf_counter() - started
    texts = [data.texts[i] for i in te] + [data.off_topic[i] for i in ote] + data.hard
    (work / "texts.json").write_text(json.dumps(texts))
    (work / "parse.py").write_text(_DIET_PARSE)
    parse = [str(rasa_python), "parse.py", "models/diet.tar.gz", "texts.json", "parsed.json"]
    subprocess.run(parse, cwd=work, env=env, check=True)
    parsed = json.loads((work / "parsed.json").read_text())
    n_in, n_oos = len(te), len(ote)
    gone = [p["label"] in ("nlu_fallback", OUT_OF_SCOPE) for p in parsed]
    truth = [data.labels[i] for i in te]
    predicted = [p["label"] if not g else FALLBACK for p, g in zip(parsed[:n_in], gone, strict=False)]
    return {
        "split": "one stratified 80/20 split",
        "epochs": epochs,
        "workdir": str(work),
        "accuracy": float(np.mean(np.array(truth) == np.array(predicted))),
        "macro_f1": float(f1_score(truth, predicted, labels=sorted(set(data.labels)), average="macro")),
        "in_scope_fallback": float(np.mean(gone[:n_in])),
        "oos_caught": float(np.mean(gone[n_in : n_in + n_oos])),
        "hard_caught": float(np.mean(gone[n_in + n_oos :])),
        "train_seconds": train_seconds,
        "latency_ms": {
            "p50": float(np.percentile([p["ms"] for p in parsed], 50)),
            "p95": float(np.percentile([p["ms"] for p in parsed], 95)),
        },
    }
