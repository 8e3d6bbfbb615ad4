"""spaCy's entities in the NLU service: spoken times and misspelt products, never a regex's span."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.demo.catalog import CATALOG
from crm.services.catalog import words_of
from dialogue.turn import turn_from_parse
from nlu.entities import PRODUCT_TERMS, SpacyEntityExtractor, model_names, regex_patterns
from nlu.training_examples import nlu_files

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def extractor() -> SpacyEntityExtractor:
    return SpacyEntityExtractor(regex_patterns(nlu_files(PROJECT_ROOT / "data")))


# message -> (text span, entity, value) spaCy adds; what the regexes find is left to them.
CASES = [
    ("quiet hours from 10 in the evening to 7 in the morning",
     [("10 in the evening", "time", "22:00"), ("7 in the morning", "time", "07:00")]),
    ("don't message me after nine in the evening", [("nine in the evening", "time", "21:00")]),
    ("no messages after 10 at night", [("10 at night", "time", "22:00")]),
    ("only between 9 in the morning and 6 in the evening",
     [("9 in the morning", "time", "09:00"), ("6 in the evening", "time", "18:00")]),
    # The regex has "10pm"; spaCy only adds the half it cannot read.
    ("quiet hours from 10pm to 7 in the morning", [("7 in the morning", "time", "07:00")]),
    ("quiet hours from 22:00 to 07:00", []),
    # The small model tags bare order numbers as DATE: they stay the regex's order_number.
    ("where is my order 123456", []),
    ("my order 1000001 arrived at 3pm", []),
    ("i paid 25 euros for it", []),
    ("i need a new vaccum cleaner", [("vaccum cleaner", "product", "vacuum cleaner")]),
    ("do you sell descaller", [("descaller", "product", "descaler")]),
    ("is there a filter for the air purifer", [("air purifer", "product", "air purifier")]),
    ("how much is the robocleen 900", [("robocleen 900", "product", "RoboClean 900")]),
    # Spelt right, the regex has them: no second, overlapping product.
    ("the capsules were late", []),
    ("how much is the roboclean 900", []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_spacy_adds_what_the_regexes_miss(
    extractor: SpacyEntityExtractor, text: str, expected: list[tuple[str, str, str]]
) -> None:
    found = extractor.extract(text)

    assert [(text[e.start : e.end], e.entity, e.value) for e in found] == expected


def test_no_entity_overlaps_a_regex_match(extractor: SpacyEntityExtractor) -> None:
    text = "quiet hours from 10pm to 7 in the morning, order 1000001, 2 stars, capsules"
    taken = [(m.start(), m.end()) for p in extractor.regexes for m in p.finditer(text)]

    found = extractor.extract(text)

    assert found
    assert not [e for e in found for s, t in taken if e.start < t and s < e.end]


def test_entities_are_in_rasas_format(extractor: SpacyEntityExtractor) -> None:
    (entity,) = [e.as_rasa() for e in extractor.extract("nothing before 7 in the morning please")]

    assert entity == {
        "entity": "time",
        "value": "07:00",
        "start": 15,
        "end": 31,
        "extractor": "SpacyEntityService",
        "confidence_entity": pytest.approx(0.9),
    }


@pytest.mark.parametrize("term", [*model_names(), *PRODUCT_TERMS])
def test_every_product_value_finds_the_catalogue(term: str) -> None:
    words = set(words_of(term))

    # As match_products scores: a word of the name, or the category.
    assert any(words & (set(words_of(item.name)) | {item.category}) for item in CATALOG), term


def test_quiet_hours_are_set_from_spoken_times(extractor: SpacyEntityExtractor) -> None:
    text = "quiet hours from 10 in the evening to 7 in the morning"
    message = {
        "text": text,
        "intent": {"name": "set_quiet_hours"},
        "entities": [e.as_rasa() for e in extractor.extract(text)],
    }

    hours = turn_from_parse(message).quiet_hours

    assert hours is not None
    assert [t.strftime("%H:%M") for t in hours] == ["22:00", "07:00"]


def test_quiet_hours_fall_back_to_the_text_without_entities() -> None:
    hours = turn_from_parse({"text": "quiet hours from 10pm to 7am", "entities": []}).quiet_hours

    assert hours is not None
    assert [t.strftime("%H:%M") for t in hours] == ["22:00", "07:00"]
