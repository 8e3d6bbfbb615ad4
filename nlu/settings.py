"""The classifier configuration the assistant serves: the one chosen by `bench/nlu_eval.py`.

See docs/nlu.md for the comparison. Changing these retrains the service's classifier.
"""

from __future__ import annotations

from typing import Any

CLASSIFIER_OPTIONS: dict[str, Any] = {
    "threshold": 0.4,
    "char_ngrams": (1, 4),
    "model": "logreg",
    "c": 10.0,
    "similarity_gate": None,
}
