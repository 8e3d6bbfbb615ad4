"""Benchmark: intent-classification pipelines on Bitext + hand-written off-topic messages.

    .venv/bin/python bench/nlu_eval.py [--folds 5] [--only pipelines|served|diet]
        [--diet [--diet-epochs 40]] [--no-progress]

Stratified 5-fold cross-validation on the 27 Bitext intents; the off-topic set is split into
folds too, twice: at random (topics seen in training) and by topic (whole topics held out).
Thresholds marked "tuned" are chosen by an inner 3-fold split of the training folds only.
The served configuration (nlu.settings on all of data/nlu, 45 intents) is cross-validated the
same way on the Bitext files in data/nlu/bitext, with the shop's intents always in training.
`--diet` also trains Rasa's DIET (.venv-rasa) on one 80/20 split; without it the last DIET
figures in var/ are reused, and so are the other parts' figures when `--only` skips them.
Writes var/nlu-eval.json, var/nlu-eval-served.json and docs/figures/nlu-pipelines.svg.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))  # run as a script from anywhere, without installing

from nlu_bench import diet, pipelines, served  # noqa: E402
from nlu_bench.common import (  # noqa: E402
    CHART,
    DEFAULT_DATA,
    DIET_RESULTS,
    EMBEDDING_CACHE,
    RESULTS,
    SERVED_RESULTS,
    VAR,
    Data,
    load_data,
)
from nlu_bench.report import print_table, write_chart  # noqa: E402

from nlu.embeddings import CachedEmbedder, Embedder, MiniLMEmbedder  # noqa: E402


def run_pipelines(data: Data, embedder: Embedder, folds: int, progress: bool) -> dict[str, dict[str, Any]]:
    fitter = pipelines.Fitter(data, embedder)
    rows: dict[str, dict[str, Any]] = {}
    for p in tqdm(pipelines.PIPELINES, desc="pipelines", disable=not progress):
        result = pipelines.cross_validate(p, fitter, folds, "random")
        unseen = pipelines.cross_validate(p, fitter, folds, "topic")
        result["oos_caught_unseen_topics"] = unseen["oos_caught"]
        result["macro_f1_unseen_topic_run"] = unseen["macro_f1"]
        result["thresholds_unseen_topic_run"] = unseen["thresholds"]
        result["train_seconds"] = (
            float(np.median(fitter.fit_seconds[p.name])) if p.name in fitter.fit_seconds else 0.0
        )
        result["latency_ms"] = {}
        rows[p.name] = result
        fitter.forget()
    measured: dict[tuple[str, bool], dict[str, float]] = {}  # latency depends on the model only
    for p in tqdm(pipelines.PIPELINES, desc="latency", disable=not progress):
        if (p.fit_key, p.oos_class) not in measured:
            measured[(p.fit_key, p.oos_class)] = pipelines.latency_ms(p, data, fitter)
        rows[p.name]["latency_ms"] = measured[(p.fit_key, p.oos_class)]
    full = pipelines.train_time_full(data)
    chosen = rows[pipelines.CHOSEN]["latency_ms"]
    print(f"\nchosen: {pipelines.CHOSEN}; cold full-data training {full['seconds']:.1f} s")
    print(f"one message, live MiniLM on 1 thread: p50 {chosen['p50']:.1f} ms, p95 {chosen['p95']:.1f} ms")
    print("top confusions (chosen, random folds):")
    for pair, count in rows[pipelines.CHOSEN]["confusions"]:
        print(f"  {count:3d}  {pair}")
    VAR.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"chosen": pipelines.CHOSEN, "full_training": full, "pipelines": rows}, indent=2)
    )
    return rows


def run_served(data: Data, embedder: Embedder, folds: int) -> dict[str, Any]:
    result = served.evaluate_served(data, embedder, folds)
    cold, latency = result["cold_training"], result["latency_ms"]
    print(f"\n{served.SERVED}: {result['bitext_examples']} Bitext + {result['shop_examples']} shop examples")
    print(f"  macro-F1 {result['macro_f1']:.4f}, accuracy {result['accuracy']:.4f}, ", end="")
    print(f"off-topic caught {result['oos_caught']:.1%}", end="")
    print(f" ({result['oos_caught_unseen_topics']:.1%} with whole topics held out)")
    print(f"  hard negatives {result['hard_caught']:.1%}, fresh holdout {result['fresh_caught']:.1%}")
    print(f"  cold training {cold['seconds']:.1f} s ({cold['texts']:.0f} texts, 2 torch threads, no cache)")
    print(f"  parse_text, one message: p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms")
    print("  top confusions (random folds):")
    for pair, count in result["confusions"]:
        print(f"    {count:3d}  {pair}")
    print(f"  Bitext messages sent to a shop intent: {len(result['to_shop_intent'])}")
    for wrong in result["to_shop_intent"]:
        print(f"    {wrong['intent']} -> {wrong['predicted']}: {wrong['text']}")
    VAR.mkdir(exist_ok=True)
    SERVED_RESULTS.write_text(json.dumps({served.SERVED: result}, indent=2))
    return result


def _stored(path: Path, key: str | None = None) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    stored: dict[str, dict[str, Any]] = json.loads(path.read_text())
    return stored[key] if key else stored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--only", choices=["pipelines", "served", "diet"], help="run one part; reuse var/ for the rest"
    )
    parser.add_argument("--diet", action="store_true", help="also train Rasa DIET (minutes)")
    parser.add_argument("--diet-epochs", type=int, default=40)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    data = load_data(args.data)
    if args.diet or args.only == "diet":
        results = {
            f"Rasa DIET ({args.diet_epochs} ep){' +OOS' if oos else ''}": diet.run_diet(
                data, args.diet_epochs, oos
            )
            for oos in (False, True)
        }
        VAR.mkdir(exist_ok=True)
        DIET_RESULTS.write_text(json.dumps(results, indent=2))
    embedder = CachedEmbedder(MiniLMEmbedder(threads=2, batch_size=64), EMBEDDING_CACHE)
    embedder.embed(data.texts + data.off_topic + data.hard + data.fresh)  # folds then hit the cache
    if args.only in (None, "pipelines"):
        rows = run_pipelines(data, embedder, args.folds, not args.no_progress)
    else:
        rows = {k: v for k, v in _stored(RESULTS, "pipelines").items() if "DIET" not in k}
    if args.only in (None, "served"):
        rows[served.SERVED] = run_served(data, embedder, args.folds)
    else:
        rows.update(_stored(SERVED_RESULTS))
    rows.update({name: {**r, "oos_caught_unseen_topics": None} for name, r in _stored(DIET_RESULTS).items()})
    print_table(rows)
    write_chart(rows, CHART)
    print(f"\nwrote results in {VAR.relative_to(PROJECT_ROOT)}/ and {CHART.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
