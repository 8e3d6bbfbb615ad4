"""Command line: Bitext CSV → data/nlu/bitext/<category>.yml, then a summary of what was written."""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from nlu.training_data.bitext import DROPPED_ENTITIES, ConversionReport, convert, read_rows
from nlu.training_data.rasa_yaml import GENERATED_MARKER, render, unique_sorted

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CSV = PROJECT_ROOT.parent / "shared" / "datasets" / "bitext" / "bitext_dev.csv"
DEFAULT_OUT = PROJECT_ROOT / "data" / "nlu" / "bitext"
_ANNOTATION = re.compile(r"\[[^\]]+\]\(([^)]+)\)")


def write_bitext_files(
    csv_path: Path, out_dir: Path
) -> tuple[dict[str, dict[str, list[str]]], ConversionReport]:
    """Write one YAML file per category; return what was written (per file, per intent)."""
    report = ConversionReport()
    by_category = convert(read_rows(csv_path), report)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {category: unique_sorted(examples) for category, examples in sorted(by_category.items())}
    # A category that disappeared from the CSV must not leave its old file behind.
    for stale in sorted(out_dir.glob("*.yml")):
        if stale.stem not in written and GENERATED_MARKER in stale.read_text(encoding="utf-8"):
            stale.unlink()
    for category, per_intent in written.items():
        text = render(per_intent, csv_path.name)
        (out_dir / f"{category}.yml").write_text(text, encoding="utf-8", newline="\n")
    return written, report


def summary(written: dict[str, dict[str, list[str]]], report: ConversionReport) -> str:
    """A readable account: examples per intent, entities kept, dropped and repaired."""
    entities: Counter[str] = Counter()
    lines = [f"{report.rows} CSV rows →"]
    for category, per_intent in written.items():
        for intent, examples in per_intent.items():
            lines.append(f"  {category + '.yml':<22} {intent:<26} {len(examples):>4} examples")
            entities.update(m.group(1) for example in examples for m in _ANNOTATION.finditer(example))
    total = sum(len(e) for per_intent in written.values() for e in per_intent.values())
    lines.append(f"  total {total} examples in {len(written)} files")
    lines.append(f"entities annotated: {dict(sorted(entities.items()))}")
    for name, counter in (
        ("CSV entities left as plain text", report.dropped_entities),
        ("CSV value differs from the text span (span kept)", report.value_differs_from_span),
        ("span offsets wrong, found the value in the text", report.span_relocated),
        ("span unusable, annotation dropped", report.span_unusable),
        ("placeholders filled", report.placeholders),
        ("rows skipped: unknown placeholder", report.skipped_unknown_placeholder),
    ):
        if counter:
            lines.append(f"{name}: {dict(sorted(counter.items()))}")
    for entity_type, reason in DROPPED_ENTITIES.items():
        if report.dropped_entities[entity_type]:
            lines.append(f"  {entity_type}: {reason}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="Bitext CSV (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no summary")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"no such CSV: {args.csv} (pass --csv)", file=sys.stderr)
        return 2
    written, report = write_bitext_files(args.csv, args.out)
    if not args.quiet:
        print(summary(written, report))
    return 0
