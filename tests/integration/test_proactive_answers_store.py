"""Answers to proactive messages on their outbox rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crm.models import Customer, OutboxMessage, OutboxState, ProactiveAnswer
from crm.services.proactive_answers import record_answer, snoozed_key
from crm.uow import UnitOfWork
from tests.support.proactive_messages import add_sent_message, outbox_row

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
KEY = "replenishment:C1:2026-11-20"


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    store: Engine = request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")
    with Session(store) as session:
        customer = Customer(
            external_ref="C1", name="Ann Lee", email="ann@example.com", time_zone="Europe/London",
            language="en", country="United Kingdom", created_at=NOW,
        )  # fmt: skip
        session.add(customer)
        session.commit()
        customer_id = customer.id
    add_sent_message(
        store, KEY, customer_id, {"kind": "replenishment", "message": "Hi", "product_id": 7}, NOW
    )
    return store


def rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_an_answer_is_recorded_on_its_message(engine: Engine) -> None:
    recorded = record_answer(UnitOfWork.for_engine(engine), KEY, ProactiveAnswer.DECLINED, NOW)

    row = outbox_row(engine, KEY)
    assert recorded is not None and recorded.snoozed_key is None
    assert row is not None and row.answer is ProactiveAnswer.DECLINED and row.answered_at == NOW
    assert row.state is OutboxState.SENT


def test_an_unknown_key_records_nothing_and_raises_nothing(engine: Engine) -> None:
    assert record_answer(UnitOfWork.for_engine(engine), "test-send:9", ProactiveAnswer.ACCEPTED, NOW) is None
    assert rows(engine) == 1


def test_a_snooze_plans_the_same_message_again(engine: Engine) -> None:
    until = NOW + timedelta(days=3)

    recorded = record_answer(
        UnitOfWork.for_engine(engine), KEY, ProactiveAnswer.SNOOZED, NOW, snooze_until=until
    )
    twice = record_answer(
        UnitOfWork.for_engine(engine), KEY, ProactiveAnswer.SNOOZED, NOW, snooze_until=until
    )

    original, again = outbox_row(engine, KEY), outbox_row(engine, f"{KEY}:snooze:1")
    assert recorded is not None and twice is not None and recorded.snoozed_key == f"{KEY}:snooze:1"
    assert original is not None and original.answer is ProactiveAnswer.SNOOZED
    assert again is not None and again.state is OutboxState.PENDING and again.not_before == until
    assert (again.customer_id, again.subject, again.intent, again.trigger_id) == (
        original.customer_id, original.subject, original.intent, original.trigger_id,
    )  # fmt: skip
    assert again.answer is None and again.context == {
        **original.context,
        "snoozed_from": KEY,
        "facts_as_of": NOW.isoformat(),
    }
    assert rows(engine) == 2  # recorded twice, planned once


def test_a_reminder_snoozed_again_gets_the_next_number() -> None:
    assert snoozed_key("k") == "k:snooze:1"
    assert snoozed_key("k:snooze:1") == "k:snooze:2"


@pytest.mark.parametrize(
    ("answer", "until"),
    [
        (ProactiveAnswer.SNOOZED, None),
        (ProactiveAnswer.DECLINED, NOW + timedelta(days=1)),
        (ProactiveAnswer.SNOOZED, NOW - timedelta(minutes=1)),
    ],
)
def test_a_snooze_needs_a_time_after_now(
    engine: Engine, answer: ProactiveAnswer, until: datetime | None
) -> None:
    with pytest.raises(ValueError):
        record_answer(UnitOfWork.for_engine(engine), KEY, answer, NOW, snooze_until=until)
    row = outbox_row(engine, KEY)
    assert row is not None and row.answer is None and rows(engine) == 1
