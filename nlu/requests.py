"""Several requests in one message: "where is my order and can I get the invoice".

The message is cut into clauses at sentence ends and at joining words ("and also", "plus",
"and can you"); each clause is classified on its own, and a clause whose intent is confidently
a different request from the whole message's is reported as a further request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlu.classifier import IntentClassifier, Prediction

# Answers and chit-chat are not requests of their own next to a real one.
NOT_A_REQUEST = frozenset(
    {"nlu_fallback", "out_of_scope", "greet", "thank", "goodbye", "affirm", "deny", "identify", "help"}
)
MIN_CONFIDENCE = 0.6
# A wrongly added request of these kinds would alarm the customer ("Shall I delete your
# account?" after "money left my account"): a clause needs more certainty to add them.
CAREFUL = frozenset(
    {"delete_account", "cancel_order", "stop_messages", "double_charge", "complaint", "change_order"}
)
CAREFUL_CONFIDENCE = 0.85
MIN_WORDS = 3
MAX_CLAUSES = 6
# Where a new request may start: sentence ends; joining words ("and", "but", "also", "if not");
# a comma before a word that opens a request ("..., i want", "..., can you").
_OPENERS = (
    r"i|i'd|id|i'm|im|i'll|can|could|would|will|please|pls|plz|where|when|how|what|is|are|do|does|send|cancel"
)
_BOUNDARY = re.compile(
    r"(?<=[.!?;])\s+|\n+|"
    r",?\s+(?:and also|and then|and|but also|but|also|plus|oh and|and btw|btw|if not|if so|if yes|if it is|"
    r"if it's|if its|then)\s+|"
    rf",\s+(?=(?:{_OPENERS})\b)",
    re.IGNORECASE,
)


def clauses(text: str) -> list[str]:
    parts = (part.strip(" ,") for part in _BOUNDARY.split(text))
    return [part for part in parts if part][:MAX_CLAUSES]


def further_requests(whole: Prediction, parts: Sequence[str], predictions: Sequence[Prediction]) -> list[str]:
    """Intents of the clauses that are other confident requests, in the order they were written."""
    found: list[str] = []
    for text, prediction in zip(parts, predictions, strict=True):
        label = prediction.label
        if (
            label in NOT_A_REQUEST
            or label == whole.label
            or label in found
            or prediction.confidence < (CAREFUL_CONFIDENCE if label in CAREFUL else MIN_CONFIDENCE)
            or len(text.split()) < MIN_WORDS
        ):
            continue
        found.append(label)
    return found


def split_requests(
    classifier: IntentClassifier, texts: Sequence[str], wholes: Sequence[Prediction]
) -> list[tuple[Prediction, list[str]]]:
    """Per message: its main prediction (a clause's, when the whole was unclear) and the rest.

    All clauses of all messages are classified in one batch: embedding in batches is several
    times faster than one sentence at a time.
    """
    parts = [clauses(text) for text in texts]
    flat = [clause for clause_list in parts if len(clause_list) > 1 for clause in clause_list]
    flat_predictions = iter(classifier.predict(flat, ranking_length=3))
    results: list[tuple[Prediction, list[str]]] = []
    for clause_list, whole in zip(parts, wholes, strict=True):
        if len(clause_list) < 2:
            results.append((whole, []))
            continue
        predictions = [next(flat_predictions) for _ in clause_list]
        results.append(_combine(whole, clause_list, predictions))
    return results


def _combine(
    whole: Prediction, parts: Sequence[str], predictions: Sequence[Prediction]
) -> tuple[Prediction, list[str]]:
    if whole.is_fallback:
        confident = [
            p
            for t, p in zip(parts, predictions, strict=True)
            if not p.is_fallback
            and p.label not in NOT_A_REQUEST
            and p.confidence >= MIN_CONFIDENCE
            and len(t.split()) >= MIN_WORDS
        ]
        if confident:
            whole = confident[0]
    return whole, further_requests(whole, parts, predictions)
