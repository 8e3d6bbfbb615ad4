"""The pump as its own process, delivering email to a real (local) SMTP server, killed with
SIGKILL at each injected point and restarted, on SQLite and on PostgreSQL.

The gate is `tests.support.gates.allow_all`: these tests are about the delivery mechanics
(claims, leases, recovery), not the policy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import Channel, OutboxState
from fakes.smtp import Mailbox, start_smtp
from proactive.email import message_id
from tests.factories import add_customer
from tests.support.live import free_port
from tests.support.outbox import PumpProcess, killed, plan, wait_for

MESSAGES = 10


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    server = start_smtp(box, "127.0.0.1", port)
    yield box, port
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> tuple[str, Engine]:
    name = "store" if request.param == "sqlite" else "postgres_store"
    url = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(url), request.getfixturevalue(name)


def planned(engine: Engine, count: int) -> list[str]:
    keys = []
    with Session(engine) as session:
        for n in range(count):
            customer = add_customer(session, f"C7{n:04d}", f"Mail Customer{n}")
            key = f"filter:{customer.id}:2026-11"
            plan(session, customer.id, key, Channel.EMAIL)
            keys.append(key)
        session.commit()
    return keys


def environment(url: str, smtp_port: int) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "SMTP_PORT": str(smtp_port),
        "CHAT_TOKEN_SECRET": "pump-test-secret-at-least-32-bytes-long",
        "SHOP_PORT": "5799",
        # Email only: the chat channels' Rasa is configured but never called.
        "RASA_AUTH_TOKEN": "unused",
        "RASA_PORT": "5798",
    }


def all_sent(rows: list) -> bool:  # type: ignore[type-arg]
    return all(row.state is OutboxState.SENT for row in rows)


@pytest.mark.parametrize("crash_at", ["after_claim", "mid_batch"])
def test_a_killed_pump_loses_nothing_and_sends_nothing_twice(
    backend: tuple[str, Engine], mailbox: tuple[Mailbox, int], crash_at: str, tmp_path: Path
) -> None:
    url, engine = backend
    box, smtp_port = mailbox
    keys = planned(engine, MESSAGES)
    env = environment(url, smtp_port)

    first = PumpProcess(env, tmp_path / "pump.log", crash_at=crash_at)
    assert killed(first.wait()), first.output()
    before_restart = Counter(m["key"] for m in box.snapshot())
    second = PumpProcess(env, tmp_path / "pump.log")
    rows = wait_for(engine, all_sent)
    assert second.stop() == 0, second.output()

    received = Counter(m["key"] for m in box.snapshot())
    assert received == Counter(keys)  # every message once: none lost, none twice
    assert sum(before_restart.values()) == (1 if crash_at == "mid_batch" else 0)
    assert {m["message_id"] for m in box.snapshot()} == {message_id(k) for k in keys}
    assert all(row.channel is Channel.EMAIL and row.sent_at is not None for row in rows)


def test_a_pump_killed_between_smtp_and_commit_resends_that_one_mail_with_the_same_message_id(
    backend: tuple[str, Engine], mailbox: tuple[Mailbox, int], tmp_path: Path
) -> None:
    """SMTP cannot be asked afterwards whether it took a mail: this window is at least once."""
    url, engine = backend
    box, smtp_port = mailbox
    keys = planned(engine, MESSAGES)
    env = environment(url, smtp_port)

    first = PumpProcess(env, tmp_path / "pump.log", crash_at="after_send")
    assert killed(first.wait()), first.output()
    [in_flight] = [m["key"] for m in box.snapshot()]
    second = PumpProcess(env, tmp_path / "pump.log")
    wait_for(engine, all_sent)
    assert second.stop() == 0, second.output()

    received = Counter(m["key"] for m in box.snapshot())
    assert set(received) == set(keys)
    assert {k: n for k, n in received.items() if n > 1} == {in_flight: 2}
    copies = [m["message_id"] for m in box.snapshot() if m["key"] == in_flight]
    assert copies == [message_id(in_flight)] * 2  # the same mail: clients drop the second
    assert f"row {in_flight} may have gone out on email" in second.output()  # said, not silent


def test_a_stopped_pump_finishes_its_message_and_gives_the_rest_back(
    store: Engine, sqlite_url: str, mailbox: tuple[Mailbox, int], tmp_path: Path
) -> None:
    box, smtp_port = mailbox
    keys = planned(store, MESSAGES)
    pump = PumpProcess(environment(sqlite_url, smtp_port), tmp_path / "pump.log", lease_seconds=600)
    wait_for(store, lambda rows: any(r.state is OutboxState.SENT for r in rows))

    assert pump.stop() == 0, pump.output()
    rows = wait_for(store, lambda rows: True)
    assert {r.state for r in rows} <= {OutboxState.SENT, OutboxState.PENDING}  # none left leased
    assert Counter(m["key"] for m in box.snapshot()) == Counter(
        r.key for r in rows if r.state is OutboxState.SENT
    )
    assert len(keys) == MESSAGES
