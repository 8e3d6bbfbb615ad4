"""Benchmark: the served classifier on the realistic test sets (tests/nlu/), per intent.

    .venv/bin/python bench/nlu_realistic.py [--misses N]

Trains (or loads) the classifier exactly as the NLU service does from data/nlu, then reports
for each set: macro-F1, accuracy, the share of in-domain messages sent to fallback, the share of
off-topic messages caught, and how many multi-request messages had every request found.
Writes var/nlu-realistic.json; the figures in docs/nlu.md come from here.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from nlu.embeddings import MiniLMEmbedder  # noqa: E402
from nlu.evaluation import Report, available_sets, evaluate, load_set  # noqa: E402
from nlu.service import load_or_train  # noqa: E402


def print_report(report: Report, misses: int) -> None:
    print(f"\n== set {report.name}: {report.in_domain} in-domain, {report.off_topic} off-topic messages")
    print(
        f"macro-F1 {report.macro_f1:.3f}   accuracy {report.accuracy:.3f}   "
        f"in-domain to fallback {report.fallback_rate:.1%}   off-topic caught {report.off_topic_caught:.1%}"
    )
    print(
        f"multi-request messages {report.multi}: all requests found {report.multi_all_found:.1%}; "
        f"single-request messages given an extra request {report.spurious_requests:.1%}"
    )
    print(f"{'intent':<26}{'n':>4}{'prec':>7}{'recall':>8}{'F1':>7}{'fallb':>7}")
    for row in sorted(report.per_intent, key=lambda r: r.f1):
        print(
            f"{row.intent:<26}{row.support:>4}{row.precision:>7.2f}{row.recall:>8.2f}{row.f1:>7.2f}{row.fallback:>7}"
        )
    print("most frequent confusions (truth -> predicted):")
    for truth, predicted, count in report.confusions:
        print(f"  {count:>3}  {truth} -> {predicted}")
    for text, truth, predicted in report.misses[:misses]:
        print(f"  miss: {text!r}  {truth} -> {predicted}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", type=int, default=0, help="print this many misclassified messages")
    args = parser.parse_args()
    classifier = load_or_train(PROJECT_ROOT / "data", MiniLMEmbedder(threads=2))
    results = []
    for name, path, off_path in available_sets():
        report = evaluate(classifier, name, load_set(path), load_set(off_path) if off_path else [])
        print_report(report, args.misses)
        results.append({k: v for k, v in asdict(report).items() if k != "misses"})
    out = PROJECT_ROOT / "var" / "nlu-realistic.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
