"""The outbox's transitions on a real store (SQLite and PostgreSQL), driven by the pump in this
process with a recording channel. The gate is `tests.support.gates.by_subject`: these tests are
about what the pump does with each answer, not about the policy."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import Channel, OutboxMessage, OutboxState, ProactiveDecision
from crm.uow import UnitOfWork
from outreach.send import Delivery, SendResult
from proactive import outbox
from proactive.channels import Outgoing
from proactive.pump import Pump
from tests.factories import add_customer
from tests.support.gates import by_subject
from tests.support.outbox import plan, rows

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class ScriptedChannel:
    """A channel that answers what the test says and records what it was asked to send."""

    def __init__(self, *answers: Delivery) -> None:
        self.answers = list(answers)
        self.sent: list[str] = []

    def address(self, uow: UnitOfWork, message: Outgoing, channel: Channel) -> str | None:
        return f"web:{message.customer_id}"

    def send(self, message: Outgoing, channel: Channel, address: str | None = None) -> SendResult:
        self.sent.append(message.key)
        status = self.answers.pop(0) if self.answers else Delivery.DELIVERED
        return SendResult(status, f"web:{message.customer_id}", "test channel")

    def already_delivered(self, message: Outgoing, address: str) -> bool | None:
        return False


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    found: Engine = request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")
    return found


def with_rows(engine: Engine, subjects: list[str]) -> list[str]:
    keys = []
    with Session(engine) as session:
        for n, subject in enumerate(subjects):
            customer = add_customer(session, f"C6{n:04d}", f"State Customer{n}")
            keys.append(f"{subject}:{customer.id}")
            plan(session, customer.id, keys[-1], Channel.WEB, subject=subject)
        session.commit()
    return keys


def pump(engine: Engine, channel: ScriptedChannel, clock: Callable[[], datetime] = lambda: NOW) -> Pump:
    return Pump(
        store=lambda: UnitOfWork.for_engine(engine),
        gate=by_subject,
        senders={Channel.WEB: channel},
        clock=clock,
        owner="test-pump",
        batch=10,
        rng=random.Random(7),
        gate_records=False,
    )


def test_each_answer_of_the_gate_and_the_channel_ends_in_its_state(engine: Engine) -> None:
    keys = with_rows(engine, ["ok", "blocked", "later", "paused", "nochat", "flaky"])
    channel = ScriptedChannel(Delivery.DELIVERED, Delivery.PAUSED, Delivery.NO_CHANNEL, Delivery.FAILED)

    report = pump(engine, channel).run_batch()

    by_key = {row.key: row for row in rows(engine)}
    assert report.claimed == 6 and channel.sent == [keys[0], keys[3], keys[4], keys[5]]
    assert by_key[keys[0]].state is OutboxState.SENT and by_key[keys[0]].sent_at == NOW
    assert by_key[keys[1]].state is OutboxState.SUPPRESSED
    later = by_key[keys[2]]
    assert later.state is OutboxState.PENDING and later.not_before == NOW + timedelta(hours=1)
    assert later.attempts == 0  # put off by the policy: not an attempt
    paused = by_key[keys[3]]
    assert paused.state is OutboxState.PENDING and paused.not_before == NOW + timedelta(minutes=15)
    assert by_key[keys[4]].state is OutboxState.SUPPRESSED
    flaky = by_key[keys[5]]
    assert flaky.state is OutboxState.PENDING and flaky.attempts == 1
    assert NOW + timedelta(seconds=15) <= flaky.not_before <= NOW + timedelta(seconds=30)
    assert all(row.lease_owner is None for row in by_key.values())
    with Session(engine) as session:
        reasons = {d.key: d.reason for d in session.scalars(select(ProactiveDecision))}
    assert reasons == {keys[1]: "consent", keys[4]: "no_channel"}


def test_a_channel_that_keeps_failing_is_retried_with_growing_backoff_then_given_up(engine: Engine) -> None:
    [key] = with_rows(engine, ["flaky"])
    channel = ScriptedChannel(*[Delivery.FAILED] * 10)
    clock = [NOW]
    delays = []
    while True:
        pump(engine, channel, lambda: clock[0]).run_batch()
        [row] = rows(engine)
        if row.state is not OutboxState.PENDING:
            break
        delays.append(row.not_before - clock[0])
        clock[0] = row.not_before

    assert row.state is OutboxState.FAILED and row.attempts == outbox.MAX_ATTEMPTS
    assert len(channel.sent) == outbox.MAX_ATTEMPTS and "failed: test channel" in (row.last_error or "")
    assert len(delays) == outbox.MAX_ATTEMPTS - 1
    for attempt, delay in enumerate(delays, start=1):
        ceiling = timedelta(seconds=30) * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling  # exponential, jittered within [50 %, 100 %]
    assert key == row.key


def test_a_claim_takes_due_rows_once_up_to_the_batch(engine: Engine) -> None:
    with_rows(engine, [f"ok{n}" for n in range(7)])
    store = lambda: UnitOfWork.for_engine(engine)  # noqa: E731

    first = outbox.claim(store(), "a", NOW, limit=5)
    second = outbox.claim(store(), "b", NOW, limit=5)
    again = outbox.claim(store(), "c", NOW, limit=5)
    after_lease = outbox.claim(store(), "d", NOW + outbox.DEFAULT_LEASE + timedelta(seconds=1), limit=10)

    assert len(first) == 5 and len(second) == 2 and again == []
    assert {c.id for c in first}.isdisjoint(c.id for c in second)
    assert len(after_lease) == 7 and all(c.recovered for c in after_lease)


def test_housekeeping_gives_back_rows_a_dead_pump_held_before_choosing_a_channel(engine: Engine) -> None:
    with_rows(engine, ["a", "b"])
    store = lambda: UnitOfWork.for_engine(engine)  # noqa: E731
    claims = outbox.claim(store(), "dead", NOW, limit=2)
    outbox.note_channel(store(), claims[1].id, "dead", Channel.WEB, "web:x")

    released = outbox.release_stale(store(), NOW + outbox.DEFAULT_LEASE + timedelta(seconds=1))

    states = {row.id: row.state for row in rows(engine)}
    assert released == 1
    assert states == {claims[0].id: OutboxState.PENDING, claims[1].id: OutboxState.SENDING}


def test_a_row_whose_context_is_not_json_fails_at_once_with_the_reason_and_the_rest_go_out(
    engine: Engine,
) -> None:
    broken, fine = with_rows(engine, ["ok-broken", "ok-fine"])
    with Session(engine) as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == broken)).one()
        row.context = "{not json"
        session.commit()
    channel = ScriptedChannel()

    pump(engine, channel).run_batch()

    by_key = {row.key: row for row in rows(engine)}
    assert by_key[broken].state is OutboxState.FAILED and "not JSON" in (by_key[broken].last_error or "")
    assert by_key[fine].state is OutboxState.SENT and channel.sent == [fine]
