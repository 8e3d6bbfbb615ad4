"""What the bot says for the agents' desk, on a real store: the 1-5 rating after a close, and no
silence for a chat nobody takes (notify_unanswered, then the honest message and the call back)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from console.unanswered import notify_unanswered
from crm.models import Channel, ChatRating, HandoffReason, SupportCase
from crm.services import desk
from crm.services.handoff import request_handoff
from crm.uow import UnitOfWork
from dialogue.flows.desk import RATE_INTENT, UNANSWERED_INTENT
from tests.support.console import settings_for
from tests.support.dialogue import Chat
from tests.support.shops import NOW, orders_shop


class RecordingRasa:
    def __init__(self) -> None:
        self.triggered: list[tuple[str, str, str]] = []

    def trigger(self, conversation_id: str, intent: str, case_number: str) -> None:
        self.triggered.append((conversation_id, intent, case_number))


@pytest.fixture
def anna(store: Engine) -> Chat:
    orders_shop(store)
    return Chat(store, NOW, customer_ref="C90001")


def queued(chat: Chat, at: datetime) -> str:
    who = chat.customer()
    view = request_handoff(
        chat.uow(),
        who.id if who else None,
        chat.conversation_id,
        Channel.WEB,
        at,
        reason=HandoffReason.CUSTOMER_ASKED,
    )
    return view.case_number


def rating_of(store: Engine) -> list[tuple[int, str | None]]:
    with Session(store) as session:
        return [(r.rating, r.agent) for r in session.scalars(select(ChatRating))]


@pytest.mark.parametrize(
    ("text", "intent", "entities", "stored"),
    [
        ('/choose{"rating":"4"}', "choose", {"rating": "4"}, 4),
        ("5 stars, thanks", "thank", {}, 5),
        ("1", "out_of_scope", {}, 1),
    ],
)
def test_after_a_close_the_bot_asks_for_a_rating_and_stores_it(
    anna: Chat, text: str, intent: str, entities: dict[str, str], stored: int
) -> None:
    number = queued(anna, NOW)
    desk.take(anna.uow(), number, "agent@demo", NOW)
    desk.close(anna.uow(), number, "agent@demo", NOW)

    asked = anna.send(f"EXTERNAL: {RATE_INTENT}", RATE_INTENT, entities={"key": number}, external=True)
    assert "from 1 (poor) to 5 (excellent)" in asked
    assert [b["title"] for b in anna.last_buttons[0]] == ["1", "2", "3", "4", "5"]
    anna.send(text, intent, entities=entities)
    assert rating_of(anna.store) == [(stored, "agent@demo")]
    # A second answer (or a forged second rating) does not count twice.
    anna.send(f"EXTERNAL: {RATE_INTENT}", RATE_INTENT, entities={"key": number}, external=True)
    anna.send("2", "out_of_scope")
    assert rating_of(anna.store) == [(stored, "agent@demo")]


def test_a_rating_for_a_case_still_open_is_not_stored(anna: Chat) -> None:
    number = queued(anna, NOW)
    anna.send(f"EXTERNAL: {RATE_INTENT}", RATE_INTENT, entities={"key": number}, external=True)
    anna.send("1", "out_of_scope")
    assert rating_of(anna.store) == []


def test_a_chat_nobody_takes_is_told_once_with_its_case_number_and_may_ask_for_a_call_back(
    anna: Chat,
) -> None:
    number = queued(anna, NOW)
    rasa = RecordingRasa()
    settings = settings_for("sqlite://")
    uow = UnitOfWork.for_engine(anna.store)
    after = timedelta(minutes=10)

    assert notify_unanswered(uow, NOW + timedelta(minutes=9), settings, after=after, rasa=rasa) == []
    assert notify_unanswered(uow, NOW + timedelta(minutes=11), settings, after=after, rasa=rasa) == [number]
    assert notify_unanswered(uow, NOW + timedelta(minutes=30), settings, after=after, rasa=rasa) == []
    assert rasa.triggered == [("rest:test", UNANSWERED_INTENT, number)]

    told = anna.send(
        f"EXTERNAL: {UNANSWERED_INTENT}", UNANSWERED_INTENT, entities={"key": number}, external=True
    )
    assert "nobody has been able to take your chat yet" in told and number in told
    assert [b["title"] for b in anna.last_buttons[0]] == ["Please call me back", "I'll wait here"]
    reply = anna.send("yes please", "affirm")
    assert f"case {number}" in reply or number in reply
    with Session(anna.store) as session:
        description = session.scalars(
            select(SupportCase.description).where(SupportCase.number == number)
        ).one()
    assert "call back" in description


def test_outside_business_hours_the_customer_is_told_at_once(anna: Chat) -> None:
    sunday = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
    anna.now = sunday
    number = queued(anna, sunday)
    rasa = RecordingRasa()
    told = notify_unanswered(UnitOfWork.for_engine(anna.store), sunday, settings_for("sqlite://"), rasa=rasa)
    assert told == [number]
    said = anna.send(
        f"EXTERNAL: {UNANSWERED_INTENT}", UNANSWERED_INTENT, entities={"key": number}, external=True
    )
    assert "our team is offline right now" in said


def test_a_case_taken_meanwhile_gets_no_apology(anna: Chat) -> None:
    number = queued(anna, NOW)
    desk.take(anna.uow(), number, "agent@demo", NOW)
    said = anna.send(
        f"EXTERNAL: {UNANSWERED_INTENT}", UNANSWERED_INTENT, entities={"key": number}, external=True
    )
    assert said == ""
