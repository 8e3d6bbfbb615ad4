"""Outbox rows and pump processes for the delivery tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import Channel, ConsentPurpose, OutboxMessage, OutboxState
from stack.paths import PROJECT_ROOT

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


class PumpProcess:
    """`python -m proactive pump` as its own process, the way the launcher starts it."""

    def __init__(
        self,
        env: Mapping[str, str],
        log: Path,
        *,
        crash_at: str | None = None,
        batch: int = 4,
        lease_seconds: float = 3.0,
        gate: str | None = TEST_GATE,
        owner: str | None = None,
        backoff_seconds: float = 1.0,
        frozen_now: datetime | None = None,
    ) -> None:
        """`gate=None` runs the policy's own gate; `frozen_now` freezes the pump's clock (no lease
        then ever runs out: only for tests without crashes)."""
        environment = {**os.environ, **env, "PYTHONPATH": str(PROJECT_ROOT)}
        environment.pop("PROACTIVE_CRASH_AT", None)
        environment.pop("ASSISTANT_FROZEN_NOW", None)  # leases run on the real clock
        if frozen_now is not None:
            environment["ASSISTANT_FROZEN_NOW"] = frozen_now.isoformat()
        if crash_at:
            environment["PROACTIVE_CRASH_AT"] = crash_at
        command = [
            sys.executable, "-m", "proactive", "pump", "--batch", str(batch),
            "--lease-seconds", str(lease_seconds), "--idle-seconds", "0.2",
            "--backoff-seconds", str(backoff_seconds),
        ]  # fmt: skip
        if owner:
            command += ["--owner", owner]
        if gate is not None:
            command += ["--gate", gate]
        self.log = log
        self._out = log.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=self._out, stderr=subprocess.STDOUT
        )

    def wait(self, timeout: float = 60.0) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._out.flush()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as the launcher stops it; the pump finishes the message in hand and exits 0."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self._out.close()

    def output(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.log.read_text(encoding="utf-8")


def killed(returncode: int) -> bool:
    return returncode == -signal.SIGKILL
