"""Outbox rows and pump processes for the delivery tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import Channel, ConsentPurpose, OutboxMessage, OutboxState
from stack import pumps

PLANNED_AT = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
TEST_GATE = "tests.support.gates:allow_all"


def plan(
    session: Session,
    customer_id: int,
    key: str,
    channel: Channel,
    *,
    text: str = "Your water filter was fitted 88 days ago; filters last about 90 days.",
    intent: str = "EXTERNAL_delivery_late",
    subject: str = "filter",
    not_before: datetime = PLANNED_AT,
    extra: Mapping[str, object] | None = None,
) -> OutboxMessage:
    row = OutboxMessage(
        key=key,
        customer_id=customer_id,
        category=ConsentPurpose.SERVICE,
        subject=subject,
        intent=intent,
        context=json.dumps({"message": text, "channel": channel.value, **(extra or {})}),
        state=OutboxState.PENDING,
        not_before=not_before,
        attempts=0,
        created_at=PLANNED_AT,
    )
    session.add(row)
    return row


def rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def states(engine: Engine) -> dict[str, OutboxState]:
    return {row.key: row.state for row in rows(engine)}


def wait_for(
    engine: Engine, done: Callable[[list[OutboxMessage]], bool], timeout: float = 90.0
) -> list[OutboxMessage]:
    """Polls the outbox until `done(rows)` is true; returns the rows (or fails with them)."""
    deadline = time.monotonic() + timeout
    while True:
        current = rows(engine)
        if done(current):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(
                f"outbox not done in {timeout:.0f} s: {[(r.key, r.state.value) for r in current]}"
            )
        time.sleep(0.3)


class PumpProcess(pumps.PumpProcess):
    """A pump process whose gate defaults to the tests' stand-in (`tests.support.gates.allow_all`)."""

    def __init__(
        self, env: Mapping[str, str], log: Path, *, gate: str | None = TEST_GATE, **options: Any
    ) -> None:
        super().__init__(env, log, gate=gate, **options)


killed = pumps.killed
