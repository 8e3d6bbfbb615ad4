"""The hand-written set of everyday off-topic messages (weather, recipes, trivia, ...).

They teach and test the classifier to send what the shop does not handle to fallback
instead of a confident wrong intent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

OUT_OF_SCOPE = "out_of_scope"
# Messages about *other* services that share the shop's words ("delete my facebook account").
# Kept out of training and reported on their own: they are a stress test, not the target.
HARD_NEGATIVES_TOPIC = "hard_negatives"
# Written after the first benchmark run and never trained on: the final off-topic check.
FRESH_HOLDOUT_TOPIC = "fresh_holdout"
EVALUATION_ONLY_TOPICS = frozenset({HARD_NEGATIVES_TOPIC, FRESH_HOLDOUT_TOPIC})
DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "off_topic.txt"
_TOPIC_PREFIX = "# topic:"


@dataclass(frozen=True)
class OffTopicMessage:
    text: str
    topic: str


def load_off_topic(path: Path = DEFAULT_PATH) -> list[OffTopicMessage]:
    """Read the messages; `# topic: x` lines open a group, other `#` lines are comments."""
    messages: list[OffTopicMessage] = []
    topic = "unknown"
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith(_TOPIC_PREFIX):
            topic = line[len(_TOPIC_PREFIX) :].strip()
        elif line and not line.startswith("#"):
            messages.append(OffTopicMessage(text=line, topic=topic))
    return messages
