"""The NLU service: trains from Rasa's YAML, answers in Rasa's parse format, reuses its training."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nlu.embeddings import Matrix
from nlu.entities import Entity
from nlu.service import create_app, load_or_train
from nlu.training_examples import plain_text
from tests.unit.test_nlu_classifier import BagOfWordsEmbedder

NLU_YAML = """version: "3.1"
nlu:
  - intent: track_order
    examples: |
      - where is my order
      - track my order [1015158](order_number) please
      - status of my order
      - order tracking
  - intent: get_refund
    examples: |
      - i want a refund
      - give me my money back
      - refund my purchase
      - how do i get a refund
  - regex: order_number
    examples: |
      - \\b\\d{6,7}\\b
"""


class CountingEmbedder(BagOfWordsEmbedder):
    def __init__(self) -> None:
        self.texts_embedded = 0

    def embed(self, texts: Sequence[str]) -> Matrix:
        self.texts_embedded += len(texts)
        return super().embed(texts)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "nlu" / "orders.yml").write_text(NLU_YAML)
    return tmp_path / "data"


def test_entity_annotations_are_stripped_for_classification() -> None:
    assert plain_text('track [1015158](order_number) and [x]{"entity": "email"}') == "track 1015158 and x"


def test_parse_answers_in_rasas_format(data_dir: Path, tmp_path: Path) -> None:
    client = TestClient(create_app(load_or_train(data_dir, BagOfWordsEmbedder(), tmp_path / "state")))

    body = client.post("/parse", json={"text": "where is my order"}).json()

    assert body["intent"]["name"] == "track_order"
    assert body["intent_ranking"][0]["name"] == "track_order"
    assert {"track_order", "get_refund", "out_of_scope"} <= {
        entry["name"] for entry in body["intent_ranking"]
    }


@pytest.mark.parametrize("text", ["", "   ", "\u0000\u0001"])
def test_empty_or_blank_text_is_not_understood(data_dir: Path, tmp_path: Path, text: str) -> None:
    client = TestClient(create_app(load_or_train(data_dir, BagOfWordsEmbedder(), tmp_path / "state")))

    body = client.post("/parse", json={"text": text}).json()

    assert body["intent"]["name"] in {"nlu_fallback", "out_of_scope"}


def test_a_very_long_message_is_classified_not_refused(data_dir: Path, tmp_path: Path) -> None:
    client = TestClient(create_app(load_or_train(data_dir, BagOfWordsEmbedder(), tmp_path / "state")))

    response = client.post("/parse", json={"text": "where is my order " * 600})

    assert response.status_code == 200 and response.json()["intent"]["name"]


def test_unchanged_data_is_not_trained_again(data_dir: Path, tmp_path: Path) -> None:
    first = CountingEmbedder()
    load_or_train(data_dir, first, tmp_path / "state")
    second = CountingEmbedder()

    load_or_train(data_dir, second, tmp_path / "state")

    assert first.texts_embedded > 0
    assert second.texts_embedded == 0


def test_changed_data_is_trained_again(data_dir: Path, tmp_path: Path) -> None:
    load_or_train(data_dir, BagOfWordsEmbedder(), tmp_path / "state")
    (data_dir / "nlu" / "orders.yml").write_text(NLU_YAML.replace("order tracking", "parcel tracking"))
    again = CountingEmbedder()

    load_or_train(data_dir, again, tmp_path / "state")

    assert again.texts_embedded > 0


class FixedEntities:
    """Stands in for the spaCy extractor: the service's part is passing its entities on."""

    def extract(self, text: str) -> list[Entity]:
        start = text.find("7 in the morning")
        return [Entity("time", "07:00", start, start + 16, 0.9)] if start >= 0 else []


def test_parse_returns_the_extractors_entities_in_rasas_format(data_dir: Path, tmp_path: Path) -> None:
    classifier = load_or_train(data_dir, BagOfWordsEmbedder(), tmp_path / "state")
    client = TestClient(create_app(classifier, FixedEntities()))  # type: ignore[arg-type]

    body = client.post("/parse", json={"text": "no  messages before 7 in the morning"}).json()

    assert body["entities"] == [
        {
            "entity": "time",
            "value": "07:00",
            "start": 20,  # offsets in the text as sent: the double space counts
            "end": 36,
            "extractor": "SpacyEntityService",
            "confidence_entity": 0.9,
        }
    ]


def test_parse_without_an_extractor_returns_no_entities(data_dir: Path, tmp_path: Path) -> None:
    client = TestClient(create_app(load_or_train(data_dir, BagOfWordsEmbedder(), tmp_path / "state")))

    assert client.post("/parse", json={"text": "where is my order"}).json()["entities"] == []
