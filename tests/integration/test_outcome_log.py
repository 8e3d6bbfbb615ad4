"""The outcome log on a scripted conversation: tracker events and store rows in, outcomes out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, create_engine, select
from sqlalchemy.orm import Session

from crm.models import (
    CaseKind,
    CaseStatus,
    Channel,
    ChatRating,
    ConsentPurpose,
    Customer,
    OrderStatus,
    OutboxMessage,
    OutboxState,
    ProactiveAnswer,
    ProactiveDecision,
    Product,
    SupportCase,
    Trigger,
)
from crm.uow import UnitOfWork
from outcomes.__main__ import main as outcomes_main
from outcomes.collect import collect
from outcomes.store import exposures, open_outcomes, outcomes
from proactive.triggers import seed_triggers
from tests.support.proactive_shop import NOW, ShopIds, proactive_shop
from tests.support.shops import add_history_order

TRIGGER = "consumable-refill"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    yield request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")


def _tracker(path: Path) -> tuple[Engine, Table]:
    """Rasa 3.6's SQLTrackerStore `events` table, as it creates it."""
    engine = create_engine(f"sqlite:///{path}")
    events = Table(
        "events",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255), nullable=False, index=True),
        Column("type_name", String(255), nullable=False),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", Text),
    )
    events.metadata.create_all(engine)
    return engine, events


def _event(sender: str, kind: str, at: datetime, **data: object) -> dict[str, object]:
    body = {"event": kind, "timestamp": at.timestamp(), **data}
    return {"sender_id": sender, "type_name": kind, "timestamp": at.timestamp(), "data": json.dumps(body)}


def _external(sender: str, key: str, at: datetime) -> dict[str, object]:
    return _event(
        sender, "user", at, text="/EXTERNAL_replenishment", metadata={"is_external": True},
        parse_data={
            "intent": {"name": "EXTERNAL_replenishment"}, "entities": [{"entity": "key", "value": key}],
        },
    )  # fmt: skip


def _outcomes(log: Engine) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with log.connect() as connection:
        for key, kind in connection.execute(select(outcomes.c.key, outcomes.c.kind)):
            found.setdefault(key, set()).add(kind)
    return found


def _scripted(engine: Engine, shop: ShopIds) -> tuple[str, str, str]:
    seed_triggers(UnitOfWork.for_engine(engine), NOW)
    with Session(engine) as session:
        trigger = session.scalars(select(Trigger).where(Trigger.name == TRIGGER)).one()
        capsules = session.get(Product, shop.capsules)
        anna, carla = session.get(Customer, shop.anna), session.get(Customer, shop.carla)
        assert capsules and anna and carla
        sent_key = f"{TRIGGER}:{shop.anna}:product:{shop.capsules}:2026-11-19"
        held_key = f"{TRIGGER}:{shop.carla}:product:{shop.capsules}:2026-11-25"
        mail_key = f"{TRIGGER}:{shop.ben}:product:{shop.capsules}:2026-11-22"
        common = {
            "trigger_id": trigger.id,
            "category": ConsentPurpose.MARKETING,
            "subject": f"product:{shop.capsules}",
        }
        session.add_all(
            [
                OutboxMessage(
                    key=sent_key, customer_id=shop.anna, intent="EXTERNAL_replenishment", context="{}",
                    state=OutboxState.SENT, not_before=NOW, channel=Channel.TELEGRAM,
                    conversation_id="tg:555001", created_at=NOW, sent_at=NOW,
                    answer=ProactiveAnswer.ACCEPTED, answered_at=NOW + timedelta(minutes=10), **common,
                ),
                OutboxMessage(
                    key=mail_key, customer_id=shop.ben, intent="EXTERNAL_replenishment", context="{}",
                    state=OutboxState.SENT, not_before=NOW, channel=Channel.EMAIL, created_at=NOW,
                    sent_at=NOW, answer=ProactiveAnswer.OPTED_OUT, answered_at=NOW + timedelta(hours=5),
                    **common,
                ),
            ]
        )  # fmt: skip
        # The holdout is decided on every scoring pass: one exposure all the same.
        for hours in (0, 1):
            session.add(
                ProactiveDecision(
                    trigger_id=trigger.id, customer_id=shop.carla, key=held_key, stage="plan", allowed=False,
                    reason="holdout", detail="", decided_at=NOW + timedelta(hours=hours),
                )
            )  # fmt: skip
        placed = NOW + timedelta(days=2)
        add_history_order(session, anna, "3100001", [(capsules, 2)], [(OrderStatus.PAID, placed, None)])
        # Carla buys 20 days later: beyond the 14-day window, so her holdout exposure did not convert.
        late = NOW + timedelta(days=20)
        add_history_order(session, carla, "3100002", [(capsules, 1)], [(OrderStatus.PAID, late, None)])
        session.add(
            SupportCase(
                number="CS-9001", customer_id=shop.anna, kind=CaseKind.COMPLAINT, topic="crushed capsules",
                status=CaseStatus.OPEN, opened_at=NOW + timedelta(days=3),
            )
        )  # fmt: skip
        session.add(ChatRating(customer_id=shop.anna, rating=5, rated_at=NOW + timedelta(days=4)))
        session.commit()
    return sent_key, held_key, mail_key


def test_a_scripted_conversation_becomes_outcomes(engine: Engine, tmp_path: Path) -> None:
    shop = proactive_shop(engine)
    sent_key, held_key, mail_key = _scripted(engine, shop)
    tracker, events = _tracker(tmp_path / "tracker.db")
    log = open_outcomes(f"sqlite:///{tmp_path / 'outcomes.db'}")
    second = NOW + timedelta(seconds=1)
    with tracker.begin() as connection:
        connection.execute(
            events.insert(),
            [
                _event("tg:555001", "action", NOW, name="action_session_start"),
                _external("tg:555001", sent_key, NOW),
                _event("tg:555001", "bot", second, text="Your capsules run out soon. Reorder?"),
                # A rating request is the shop's own external turn, not the customer's reply.
                _event("tg:555001", "user", second, metadata={"is_external": True}, parse_data={}),
                # Another conversation: the message never shown (no bot event after it).
                _external("web:C80002", "other:key", NOW),
            ],
        )
    uow = UnitOfWork.for_engine(engine)
    first = collect(uow, log, NOW + timedelta(hours=1), tracker=tracker)
    assert first.exposures == 3 and first.events_read == 4
    # The reply comes in a later batch of events: still attributed to the message.
    with tracker.begin() as connection:
        connection.execute(
            events.insert(),
            [
                _event("tg:555001", "user", NOW + timedelta(minutes=10), text="yes please"),
                _event("tg:555001", "bot", NOW + timedelta(minutes=10), text="Done."),
                _event("tg:555001", "user", NOW + timedelta(minutes=11), text="thanks"),
            ],
        )
    for days in (5, 5, 30):  # a repeated pass adds nothing
        collect(uow, log, NOW + timedelta(days=days), tracker=tracker)
    found = _outcomes(log)
    assert found[sent_key] == {
        "delivered",
        "replied",
        "accepted",
        "order",
        "converted",
        "complaint",
        "rating",
    }
    assert found[mail_key] == {"delivered", "opted_out"}
    assert held_key not in found  # bought after the window: no conversion, no order
    assert "other:key" not in found
    with log.connect() as connection:
        arms = dict(connection.execute(select(exposures.c.key, exposures.c.arm)).all())
        value = connection.scalar(select(outcomes.c.value).where(outcomes.c.kind == "converted"))
        replied_at = connection.scalar(select(outcomes.c.at).where(outcomes.c.kind == "replied"))
    assert arms == {sent_key: "treated", mail_key: "treated", held_key: "holdout"}
    assert value == pytest.approx(35.0)  # two packs at 17.50
    assert replied_at is not None and replied_at.replace(tzinfo=None) == (
        NOW + timedelta(minutes=10)
    ).replace(tzinfo=None)


def test_a_changed_answer_replaces_the_earlier_one(store: Engine, tmp_path: Path) -> None:
    shop = proactive_shop(store)
    sent_key, _, _ = _scripted(store, shop)
    log = open_outcomes(f"sqlite:///{tmp_path / 'outcomes.db'}")
    uow = UnitOfWork.for_engine(store)
    collect(uow, log, NOW + timedelta(hours=1))
    with Session(store) as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.key == sent_key)).one()
        message.answer, message.answered_at = ProactiveAnswer.DECLINED, NOW + timedelta(minutes=20)
        session.commit()
    collect(uow, log, NOW + timedelta(hours=2))
    assert {"declined"} == _outcomes(log)[sent_key] & {"accepted", "declined"}


def test_the_commands_collect_and_print_the_results(
    store: Engine,
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shop = proactive_shop(store)
    _scripted(store, shop)
    tracker, events = _tracker(tmp_path / "tracker.db")
    with tracker.begin() as connection:
        connection.execute(events.insert(), [_event("tg:555001", "user", NOW, text="hello")])
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RASA_TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("OUTCOMES_DATABASE_URL", f"sqlite:///{tmp_path / 'outcomes.db'}")
    for hours in (1, 24 * 5):
        monkeypatch.setenv("ASSISTANT_FROZEN_NOW", (NOW + timedelta(hours=hours)).isoformat())
        assert outcomes_main(["collect"]) == 0
    assert "1 tracker events" in capsys.readouterr().out
    assert outcomes_main(["results", "--from", "2026-11-01", "--to", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "consumable-refill: treated 2, holdout 1, control 0 exposures" in out
    # Anna converted, Ben did not: 50 % [9.5, 90.5] by Wilson; 1 of 2 accepted.
    assert "conversion" in out and "50.0% [9.5, 90.5]" in out
    assert outcomes_main(["results", "--trigger", "nope", "--from", "2026-11-01", "--to", "2026-12-01"]) == 2
    assert "no trigger named 'nope'" in capsys.readouterr().err
