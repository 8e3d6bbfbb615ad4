"""The NLU service: intent classification over HTTP for the Rasa server.

`python -m nlu.service --port 5056`: trains the classifier from `data/nlu` at start (seconds
when the embeddings are cached in var/nlu/, about a minute on a fresh checkout), or loads the
classifier trained last time when the training data did not change, then answers
`POST /parse {"text": ...}` with an intent, a ranking and the entities spaCy finds beyond the regexes
(nlu/entities.py), in Rasa's format.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import pickle
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field

from nlu import language
from nlu.classifier import IntentClassifier
from nlu.embeddings import CachedEmbedder, Embedder, MiniLMEmbedder
from nlu.entities import SpacyEntityExtractor, regex_patterns
from nlu.off_topic import DEFAULT_PATH as OFF_TOPIC_PATH
from nlu.off_topic import EVALUATION_ONLY_TOPICS, OUT_OF_SCOPE, load_off_topic
from nlu.requests import split_requests
from nlu.settings import CLASSIFIER_OPTIONS
from nlu.training_examples import Example, nlu_files, read_examples

log = logging.getLogger("nlu.service")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = PROJECT_ROOT / "var" / "nlu"
MAX_TEXT_CHARS = 2_000  # what matters in a chat message is at the start; MiniLM reads 256 tokens
RANKING_LENGTH = 10


class ParseRequest(BaseModel):
    text: str = Field(max_length=100_000)


def training_fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256(repr(sorted(CLASSIFIER_OPTIONS.items())).encode())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def training_examples(data_dir: Path) -> list[Example]:
    """Rasa's NLU examples plus the off-topic corpus as `out_of_scope` (minus its evaluation-only parts)."""
    off_topic = [
        Example(message.text, OUT_OF_SCOPE)
        for message in load_off_topic()
        if message.topic not in EVALUATION_ONLY_TOPICS
    ]
    return read_examples(nlu_files(data_dir)) + off_topic


def load_or_train(data_dir: Path, embedder: Embedder, state_dir: Path = STATE_DIR) -> IntentClassifier:
    """The classifier for the current training data: from disk if it was trained before."""
    files = [*nlu_files(data_dir), OFF_TOPIC_PATH]
    stored = state_dir / f"classifier-{training_fingerprint(files)}.pickle"
    if stored.exists():
        classifier: IntentClassifier = pickle.loads(stored.read_bytes())
        classifier.embedder = embedder
        log.info("loaded %s", stored.name)
        return classifier
    examples = training_examples(data_dir)
    log.info("training on %d examples of %d intents ...", len(examples), len({e.intent for e in examples}))
    started = time.monotonic()
    cached = CachedEmbedder(embedder, state_dir / "embeddings.npz")
    classifier = IntentClassifier(cached, **CLASSIFIER_OPTIONS).fit(
        [e.text for e in examples], [e.intent for e in examples]
    )
    # The cache is for training reruns; live messages go straight to the model.
    classifier.embedder = embedder
    state_dir.mkdir(parents=True, exist_ok=True)
    for old in state_dir.glob("classifier-*.pickle"):
        old.unlink()
    stored.write_bytes(pickle.dumps(classifier))
    log.info("trained in %.1f s -> %s", time.monotonic() - started, stored.name)
    return classifier


def create_app(classifier: IntentClassifier, extractor: SpacyEntityExtractor | None = None) -> FastAPI:
    app = FastAPI(title="NLU service", docs_url=None, redoc_url=None)

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "intents": len(classifier.classes)}

    @app.post("/parse")
    def parse(request: ParseRequest) -> dict[str, Any]:
        parsed = parse_text(classifier, request.text)
        # Offsets refer to the text as sent (Rasa's message), so no whitespace is collapsed here.
        found = extractor.extract(request.text[:MAX_TEXT_CHARS]) if extractor else []
        return {**parsed, "entities": [entity.as_rasa() for entity in found]}

    return app


def parse_text(classifier: IntentClassifier, text: str) -> dict[str, Any]:
    """Rasa's parse format: the decided intent (maybe `nlu_fallback`) and the model's ranking,
    plus the further requests in the message and its language."""
    return parse_texts(classifier, [text])[0]


def parse_texts(classifier: IntentClassifier, texts: Sequence[str]) -> list[dict[str, Any]]:
    """`parse_text` for many messages at once (the evaluation sets), classified in batches."""
    cleaned = [" ".join(text.split())[:MAX_TEXT_CHARS] for text in texts]
    present = [text for text in cleaned if text]
    wholes = classifier.predict(present, ranking_length=RANKING_LENGTH) if present else []
    decided = iter(zip(wholes, split_requests(classifier, present, wholes), strict=True))
    results: list[dict[str, Any]] = []
    for text in cleaned:
        if not text:
            results.append({**_NOTHING})
            continue
        whole, (prediction, further) = next(decided)
        results.append(
            {
                "intent": {"name": prediction.label, "confidence": prediction.confidence},
                "intent_ranking": [{"name": name, "confidence": score} for name, score in whole.ranking],
                "requests": further,
                "language": language.detect(text),
            }
        )
    return results


_NOTHING: dict[str, Any] = {
    "intent": {"name": "nlu_fallback", "confidence": 1.0},
    "intent_ranking": [],
    "requests": [],
    "language": "en",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m nlu.service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5056)
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    classifier = load_or_train(args.data, MiniLMEmbedder(threads=1))
    classifier.predict(["warm up"])  # load the model before the first customer waits for it
    extractor = SpacyEntityExtractor(regex_patterns(nlu_files(args.data)))
    extractor.extract("warm up at 9 in the evening")
    uvicorn.run(create_app(classifier, extractor), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
