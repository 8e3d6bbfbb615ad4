"""Bitext customer-support rows → training examples, with the entity decisions in one place.

The CSV's offsets are right far more often than its `entity_value` column: values are truncated
("370795561790" → "3707955617", "350" → "3") or stripped of leading zeros ("00123842" → "123842"),
and a few spans include a trailing ", ". So the annotation is always the exact span of the text
(trimmed, on word boundaries), never the CSV value. That is also what the RegexEntityExtractor
returns at runtime (the typed text), so training and runtime agree; normalising an order number
(leading zeros, a "C" prefix) belongs to the service that looks it up.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nlu.training_data.examples import Example, Span, find_word, normalise, on_word_boundaries, trim_span

# Bitext entity types we keep, under the assistant's entity names.
KEPT_ENTITIES: dict[str, str] = {"order_id": "order_number", "invoice_id": "invoice_number"}

# The rest stay plain text. The pipeline extracts entities by regex only (DIET runs with
# entity_recognition: false), so a label nothing can extract would only be a domain burden.
DROPPED_ENTITIES: dict[str, str] = {
    "account_type": "the shop has no account tiers (Gold, Platinum...)",
    "person_name": "names of invoice holders: not a lookup key, and personal data",
    "delivery_city": "no runtime extractor for places; delivery answers come from the customer's address",
    "delivery_country": "no runtime extractor for places; delivery answers come from the customer's address",
    "refund_amount": "the refund amount comes from the store, never from what the customer claims",
}

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_CITIES = ("Leeds", "Bristol", "Dublin", "Munich", "Lyon", "Valencia")
_NAMES = ("Emma Clarke", "Mr. Jones", "Anna Freeman", "Ms. Hawkings")


@dataclass
class ConversionReport:
    """What the conversion did, for the summary and the tests."""

    rows: int = 0
    dropped_entities: Counter[str] = field(default_factory=Counter)
    value_differs_from_span: Counter[str] = field(default_factory=Counter)
    span_relocated: Counter[str] = field(default_factory=Counter)
    span_unusable: Counter[str] = field(default_factory=Counter)
    placeholders: Counter[str] = field(default_factory=Counter)
    skipped_unknown_placeholder: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class BitextRow:
    """The columns of one CSV row that the conversion uses."""

    category: str
    intent: str
    instruction: str
    entity_type: str = ""
    entity_value: str = ""
    start_offset: str = ""
    end_offset: str = ""


def read_rows(csv_path: Path) -> list[BitextRow]:
    """All rows of a Bitext CSV (columns: instruction, intent, category, entity_*, *_offset)."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        return [
            BitextRow(
                category=row["category"].strip(),
                intent=row["intent"].strip(),
                instruction=row["instruction"],
                entity_type=(row.get("entity_type") or "").strip(),
                entity_value=row.get("entity_value") or "",
                start_offset=row.get("start_offset") or "",
                end_offset=row.get("end_offset") or "",
            )
            for row in csv.DictReader(handle)
        ]


def _seeded(text: str) -> random.Random:
    # Seeded by the row's own text: the same row always gets the same made-up values.
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def _placeholder_value(name: str, rng: random.Random) -> tuple[str, str | None] | None:
    """A realistic value (and the entity it is, if any) for a `{{Name}}` placeholder."""
    key = name.lower()
    is_identifier = "number" in key or "id" in key.split()
    if ("order" in key or "purchase" in key) and is_identifier:
        # Shaped like the shop's own order numbers (7 digits from 1000001).
        return str(rng.randint(1_000_001, 1_999_999)), "order_number"
    if "invoice" in key and is_identifier:
        return f"INV-{rng.randint(1_000_001, 1_999_999)}", "invoice_number"
    if "email" in key:
        return f"{rng.choice(('emma', 'sam', 'lee', 'noor'))}{rng.randint(1, 99)}@example.com", "email"
    plain: dict[str, Callable[[], str]] = {
        "name": lambda: rng.choice(_NAMES),
        "city": lambda: rng.choice(_CITIES),
        "country": lambda: rng.choice(("Ireland", "Germany", "France", "Spain")),
        "amount": lambda: f"${rng.randint(5, 300)}",
        "account": lambda: rng.choice(("standard", "business")),
    }
    for word, make in plain.items():
        if word in key:
            return make(), None
    return None


def _fill_placeholders(
    text: str, spans: list[Span], report: ConversionReport
) -> tuple[str, list[Span]] | None:
    """Replace `{{...}}` with generated values, shifting the CSV spans; None if one is unknown."""
    rng = _seeded(text)
    out: list[str] = []
    cursor = 0
    shifts: list[tuple[int, int]] = []  # (end of placeholder in the source, length change)
    result: list[Span] = []
    for match in _PLACEHOLDER.finditer(text):
        generated = _placeholder_value(match.group(1), rng)
        if generated is None:
            report.skipped_unknown_placeholder[match.group(1)] += 1
            return None
        value, entity = generated
        report.placeholders[match.group(1)] += 1
        out.append(text[cursor : match.start()])
        start = len("".join(out))
        out.append(value)
        if entity is not None:
            result.append(Span(start, start + len(value), entity))
        shifts.append((match.end(), len(value) - len(match.group(0))))
        cursor = match.end()
        # A CSV span overlapping a placeholder gives way to the placeholder's own annotation.
        spans = [s for s in spans if s.end <= match.start() or s.start >= match.end()]
    out.append(text[cursor:])
    for span in spans:
        delta = sum(change for end, change in shifts if end <= span.start)
        result.append(Span(span.start + delta, span.end + delta, span.entity))
    return "".join(out), sorted(result)


def _csv_span(row: BitextRow, report: ConversionReport) -> Span | None:
    """The row's entity as an exact, word-aligned span of its text, or None (dropped/unusable)."""
    if not row.entity_type:
        return None
    entity = KEPT_ENTITIES.get(row.entity_type)
    if entity is None:
        report.dropped_entities[row.entity_type] += 1
        return None
    text = row.instruction
    try:
        start, end = trim_span(text, int(row.start_offset), int(row.end_offset))
    except ValueError:
        start, end = 0, 0
    if not on_word_boundaries(text, start, end):
        # Offsets off: fall back to where the CSV value occurs as a whole word, if it does.
        located = find_word(text, row.entity_value.strip())
        if located is None:
            report.span_unusable[entity] += 1
            return None
        report.span_relocated[entity] += 1
        start, end = located
    if text[start:end] != row.entity_value:
        report.value_differs_from_span[entity] += 1
    return Span(start, end, entity)


def convert(rows: Iterable[BitextRow], report: ConversionReport) -> dict[str, list[Example]]:
    """Examples per category (lower-case), in CSV order; duplicates are removed when writing."""
    by_category: dict[str, list[Example]] = {}
    for row in rows:
        report.rows += 1
        span = _csv_span(row, report)
        filled = _fill_placeholders(row.instruction, [span] if span else [], report)
        if filled is None:
            continue
        text, spans = filled
        example = normalise(Example(row.intent, text, tuple(spans)))
        if not example.text:
            continue
        by_category.setdefault(row.category.lower(), []).append(example)
    return by_category
