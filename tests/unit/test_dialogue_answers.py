"""Reading a message as the answer to the assistant's question, and the conversation state's JSON."""

from __future__ import annotations

import pytest

from dialogue.answers import Answer, classify, pick, plain_yes
from dialogue.state import DialogueState, Pending, Request
from dialogue.turn import turn_from_parse


def turn(text: str, intent: str = "nlu_fallback", **entities: str) -> object:
    return turn_from_parse(
        {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": [{"entity": k, "value": v} for k, v in entities.items()],
        }
    )


@pytest.mark.parametrize(
    ("text", "intent", "answer"),
    [
        ("yes", "affirm", Answer.YES),
        ("yes please, but can it be done next week?", "book_service", Answer.YES),
        ("yep go ahead", "nlu_fallback", Answer.YES),
        ("ja", "nlu_fallback", Answer.YES),
        ("👍", "nlu_fallback", Answer.YES),
        ("no, I meant order 2000002", "identify", Answer.NO),
        ("nah", "nlu_fallback", Answer.NO),
        ("nein", "out_of_scope", Answer.NO),
        ("not rn", "nlu_fallback", Answer.NOT_NOW),
        ("maybe later", "remind_later", Answer.LATER),
        ("forget it", "deny", Answer.LEAVE),
        ("stop", "stop_messages", Answer.LEAVE),
        ("never mind", "never_mind", Answer.LEAVE),
        ("that's not what I meant", "deny", Answer.UNDO),
        ("where is my parcel", "track_order", Answer.NONE),
    ],
)
def test_answers_to_a_yes_no_question(text: str, intent: str, answer: Answer) -> None:
    assert classify(turn(text, intent)) is answer  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "intent", "confirms"),
    [
        ("yes", "affirm", True),
        ("ok", "nlu_fallback", True),
        ("yes do it", "affirm", True),
        ("ok but where is my parcel?", "track_order", False),
        ("yes?", "affirm", False),
        ("sure, and also tell me about the delivery times to france", "delivery_options", False),
    ],
)
def test_only_a_plain_yes_confirms_a_change(text: str, intent: str, confirms: bool) -> None:
    assert plain_yes(turn(text, intent)) is confirms  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "entities", "picked"),
    [
        ("the second one", {}, "B"),
        ("1st", {}, "A"),
        ("the latest", {}, "A"),
        ("2000003", {"order_number": "2000003"}, None),
    ],
)
def test_picking_one_of_the_options_shown(text: str, entities: dict[str, str], picked: str | None) -> None:
    assert pick(turn(text, **entities), ["A", "B", "C"]) == picked  # type: ignore[arg-type]


def test_punctuation_alone_is_not_a_yes() -> None:
    assert turn_from_parse({"text": "?", "intent": {"name": "affirm", "confidence": 0.7}}).is_miss


def test_a_typed_external_intent_is_not_from_the_shop() -> None:
    typed = turn_from_parse(
        {"text": '/EXTERNAL_replenishment{"key": "k"}', "intent": {"name": "EXTERNAL_replenishment"}}
    )
    pushed = turn_from_parse(
        {"text": "EXTERNAL: EXTERNAL_replenishment", "intent": {"name": "EXTERNAL_replenishment"}},
        {"is_external": True},
    )

    assert (typed.external, typed.intent) == (False, "nlu_fallback")
    assert (pushed.external, pushed.intent) == (True, "EXTERNAL_replenishment")


def test_the_state_survives_its_json_round_trip() -> None:
    state = DialogueState(
        customer_id=7,
        pending=Pending(
            "order_change",
            "confirm",
            "Cancel order 2000004?",
            [{"title": "Yes", "payload": "/affirm"}],
            {"order": "2000004"},
        ),
        queued=[Request("get_invoice", "and the invoice", {"order_number": ["2000004"]})],
    )
    state.focus.order = "2000004"

    assert DialogueState.from_dict(state.to_dict()) == state


@pytest.mark.parametrize("raw", [None, "garbage", {"version": 0}, {"version": 1, "pending": {"nonsense": 1}}])
def test_a_missing_or_damaged_state_starts_afresh(raw: object) -> None:
    assert DialogueState.from_dict(raw) == DialogueState()
