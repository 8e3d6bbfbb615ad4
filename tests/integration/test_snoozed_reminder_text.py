"""A reminder the customer snoozed is shown again with its facts as of that day, not the first send's."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import Channel, ProactiveAnswer
from crm.services.proactive_answers import record_answer
from crm.uow import UnitOfWork
from outreach.send import Delivery, SendResult
from proactive.channels import Outgoing
from proactive.pump import Pump
from proactive.triggers import render, seed_triggers
from tests.factories import add_customer
from tests.support.gates import allow_all
from tests.support.proactive_messages import add_sent_message, outbox_row

SENT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FACTS = {"product_id": 7, "product": "Espresso capsules", "quantity": 2, "days_since": 378, "usual_days": 30}


class Recording:
    """A channel that keeps what it was asked to show."""

    def __init__(self) -> None:
        self.shown: list[dict[str, object]] = []

    def address(self, uow: UnitOfWork, message: Outgoing, channel: Channel) -> str | None:
        return f"web:{message.customer_id}"

    def send(self, message: Outgoing, channel: Channel, address: str | None = None) -> SendResult:
        self.shown.append(message.context)
        return SendResult(Delivery.DELIVERED, f"web:{message.customer_id}", "test channel")

    def already_delivered(self, message: Outgoing, address: str) -> bool | None:
        return False


def sent_refill(engine: Engine, *, with_stamp: bool) -> tuple[str, str]:
    """A refill reminder as the planner wrote and the pump sent it on `SENT`; its key and text."""
    seed_triggers(UnitOfWork.for_engine(engine), SENT)
    with UnitOfWork.for_engine(engine) as uow:
        trigger = uow.triggers.by_name("consumable-refill")
        assert trigger is not None
        trigger_id, template = trigger.id, trigger.template
    with Session(engine) as session:
        customer = add_customer(session, "C7001", "Ann Lee")
        session.commit()
        customer_id = customer.id
    text = render(template, {**FACTS, "first_name": "Ann"})
    key = f"consumable-refill:{customer_id}:product:7:2026-11-20"
    context = {**FACTS, "message": text, "kind": "replenishment", "key": key, "channel": "web"}
    if with_stamp:
        context["facts_as_of"] = SENT.isoformat()
    add_sent_message(engine, key, customer_id, context, SENT, trigger_id=trigger_id)
    return key, text


@pytest.mark.parametrize("with_stamp", [True, False], ids=["planned-now", "planned-before-the-stamp"])
def test_a_snoozed_reminder_comes_back_with_the_day_count_of_the_day_it_is_shown(
    store: Engine, with_stamp: bool
) -> None:
    key, first_text = sent_refill(store, with_stamp=with_stamp)
    until = SENT + timedelta(days=7) - timedelta(hours=2)  # 10:00 a week later
    recorded = record_answer(
        UnitOfWork.for_engine(store), key, ProactiveAnswer.SNOOZED, SENT, snooze_until=until
    )
    channel = Recording()
    pump = Pump(
        store=lambda: UnitOfWork.for_engine(store),
        gate=allow_all,
        senders={Channel.WEB: channel},
        clock=lambda: until,
        owner="test-pump",
        batch=10,
        rng=random.Random(7),
        gate_records=False,
    )

    report = pump.run_batch()

    assert recorded is not None and recorded.snoozed_key == f"{key}:snooze:1"
    assert report.claimed == 1 and len(channel.shown) == 1
    shown = channel.shown[0]
    assert "378 days ago" in first_text
    assert "385 days ago" in str(shown["message"]) and "378" not in str(shown["message"])
    assert str(shown["message"]).startswith("Hi Ann,") and shown["days_since"] == 385
    assert shown["usual_days"] == 30 and shown["key"] == f"{key}:snooze:1"
    again = outbox_row(store, f"{key}:snooze:1")
    assert again is not None and again.context["facts_as_of"] == SENT.isoformat()
