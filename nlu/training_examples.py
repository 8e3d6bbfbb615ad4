"""Reading Rasa's NLU training files (data/nlu/**/*.yml) as plain (text, intent) pairs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

# "[1015158](order_number)" or '[1015158]{"entity": "order_number"}' -> "1015158"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


def plain_text(annotated: str) -> str:
    return _ANNOTATION.sub(r"\1", annotated)


def read_examples(files: Iterable[Path]) -> list[Example]:
    """Every intent example in `files`, entity annotations removed, duplicates (same text) dropped."""
    seen: set[str] = set()
    examples: list[Example] = []
    for path in sorted(files):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            intent = block.get("intent")
            if not intent:
                continue  # regex, lookup and synonym blocks feed Rasa's entity extraction only
            for line in str(block.get("examples") or "").splitlines():
                text = plain_text(line.strip().removeprefix("- ").strip())
                if text and text not in seen:
                    seen.add(text)
                    examples.append(Example(text, intent))
    return examples


def nlu_files(data_dir: Path) -> list[Path]:
    return sorted(path for path in (data_dir / "nlu").rglob("*.yml") if path.is_file())
