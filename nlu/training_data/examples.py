"""One training example with its entity spans, and the text clean-ups that keep those spans true.

Every transformation here carries entity offsets along with the text: an annotation must always
cover exactly the characters the runtime extractor (Rasa's RegexEntityExtractor) will find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

# Characters Rasa's example syntax gives a meaning to ("[text](entity)", "[text]{...}"). Bitext has
# none today; should one appear, a bracket in plain text would be misread as an annotation.
_MARKUP_SAFE = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")"})
# Punctuation that the source sometimes includes at a span's edge ("3707955617, ").
_EDGE_PUNCTUATION = " \t\r\n,.;:!?'\"()"


@dataclass(frozen=True, order=True)
class Span:
    """An entity annotation: text[start:end] is the entity, as typed."""

    start: int
    end: int
    entity: str


@dataclass(frozen=True)
class Example:
    """One utterance of an intent with its entity spans (sorted, non-overlapping)."""

    intent: str
    text: str
    spans: tuple[Span, ...] = ()

    def annotated(self) -> str:
        """The example in Rasa's markup: `cancel order [1234567](order_number)`."""
        parts: list[str] = []
        cursor = 0
        for span in self.spans:
            parts.append(self.text[cursor : span.start])
            parts.append(f"[{self.text[span.start : span.end]}]({span.entity})")
            cursor = span.end
        parts.append(self.text[cursor:])
        return "".join(parts)


def on_word_boundaries(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is non-empty and neither starts nor ends inside a word."""
    if not 0 <= start < end <= len(text):
        return False
    before_ok = start == 0 or not text[start - 1].isalnum()
    after_ok = end == len(text) or not text[end].isalnum()
    return before_ok and after_ok


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Clip offsets to the text and drop whitespace/punctuation at the span's edges."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    while start < end and text[start] in _EDGE_PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCTUATION:
        end -= 1
    return start, end


def find_word(text: str, needle: str) -> tuple[int, int] | None:
    """The first occurrence of `needle` in `text` as a whole word, if any."""
    if not needle:
        return None
    match = re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", text)
    return (match.start(), match.end()) if match else None


def normalise(example: Example) -> Example:
    """Collapse whitespace, neutralise markup characters, keep every span on the same characters.

    Two rows that differ only in spacing ("cancel order  123") become one example, and the YAML
    block never sees a tab, a newline or a control character.
    """
    text = example.text.translate(_MARKUP_SAFE)
    out: list[str] = []
    new_index: list[int] = []  # new_index[i] = position in the output of input character i
    pending_space = False
    for char in text:
        is_space = char.isspace() or not char.isprintable()
        if is_space:
            pending_space = bool(out)
            new_index.append(len(out))
            continue
        if pending_space:
            out.append(" ")
            pending_space = False
        new_index.append(len(out))
        out.append(char)
    new_index.append(len(out))
    spans = tuple(
        Span(new_index[span.start], new_index[span.end - 1] + 1, span.entity) for span in example.spans
    )
    return replace(example, text="".join(out), spans=tuple(sorted(spans)))
