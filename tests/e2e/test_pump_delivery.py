"""The pump process delivering through the real servers (Rasa, the action server, the fake Bot API):
killed with SIGKILL at each injected point and restarted, on SQLite and on PostgreSQL; retries
and backoff when Telegram answers 500; a blocked bot (403) ends the tries on Telegram.

"Exactly once" is counted where the customer sees it: bot messages with the message's own text in
Rasa's tracker of the customer's conversation. The gate is `tests.support.gates.allow_all`: these
tests are about the delivery mechanics, not the policy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.demo.writer import seed_demo
from crm.migrate import upgrade
from crm.models import (
    Channel,
    ChannelIdentity,
    ConsentPurpose,
    Customer,
    Order,
    OrderStatus,
    OutboxMessage,
    OutboxState,
    Predictor,
    ProactiveDecision,
    Trigger,
    TriggerStatus,
)
from crm.settings import Settings
from stack.paths import PROJECT_ROOT
from stack.servers import start_system
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.ci import unavailable
from tests.support.live import E2E_CUSTOMERS, E2E_NOW, LiveSystem, free_port
from tests.support.outbox import PumpProcess, killed, plan, wait_for
from tests.support.situations import add_situations
from tests.support.telegram import TelegramChat, calls, fail_next, link_through_the_storefront

pytestmark = pytest.mark.e2e
PER_RUN = 6  # rows per crash run, claimed in batches of 3: "mid batch" has rows on both sides


@pytest.fixture(scope="module")
def pg_system(ci_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSystem]:
    """The servers on PostgreSQL: the customer store (with the outbox) and Rasa's conversations."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    names = [f"e2e_pump_{kind}_{uuid.uuid4().hex[:10]}" for kind in ("crm", "tracker")]
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        unavailable(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    base = make_url(POSTGRES_ADMIN_URL)
    store_url, tracker_url = (base.set(database=n).render_as_string(hide_password=False) for n in names)
    engine = make_engine(store_url)
    upgrade(engine)
    seed_demo(engine, as_of=E2E_NOW, customers=E2E_CUSTOMERS, progress=False)
    add_situations(engine, E2E_NOW)
    engine.dispose()
    settings = Settings(
        database_url=store_url,
        tracker_store_url=tracker_url.replace("postgresql+psycopg2://", "postgresql://"),
        rasa_host="127.0.0.1",
        rasa_port=free_port(),
        action_port=free_port(),
        nlu_port=free_port(),
        rasa_auth_token="e2e-pg-pump-token",
        chat_token_secret="e2e-pg-pump-chat-secret-long-enough",
        frozen_now=E2E_NOW,
    )
    work = tmp_path_factory.mktemp("pg-pump")
    running = start_system(settings, "e2e-pg-pump-token", lambda: ci_model, echo=False, log_dir=work)
    try:
        yield LiveSystem(settings, "e2e-pg-pump-token", work)
    finally:
        running.stop()
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def live(request: pytest.FixtureRequest) -> LiveSystem:
    found: LiveSystem = request.getfixturevalue("system" if request.param == "sqlite" else "pg_system")
    return found


def pump_environment(system: LiveSystem) -> dict[str, str]:
    settings = system.settings
    return {
        "DATABASE_URL": settings.database_url,
        "RASA_HOST": settings.rasa_host,
        "RASA_PORT": str(settings.rasa_port),
        "RASA_AUTH_TOKEN": system.token,
        "CHAT_TOKEN_SECRET": settings.chat_token_secret or "",
    }


def fresh_customers(engine: Engine, count: int) -> list[tuple[int, str, str]]:
    """(id, ref, order) of customers no earlier test of this module wrote to: each run its own."""
    with Session(engine) as session:
        taken = set(session.scalars(select(OutboxMessage.customer_id).distinct()))
        rows = session.execute(
            select(Customer.id, Customer.external_ref, Order.number)
            .join(Order, Order.customer_id == Customer.id)
            .where(Order.status == OrderStatus.DELIVERED, Customer.external_ref > "C00150")
            .order_by(Customer.id)
        ).all()
    found: dict[int, tuple[int, str, str]] = {}
    for customer_id, ref, order in rows:
        if customer_id not in taken:
            found.setdefault(customer_id, (customer_id, ref, order))
    return list(found.values())[:count]


def message_text(key: str, order: str) -> str:
    return f"Sorry: order {order} is running late ({key}). Shall we chase the carrier for you?"


def shown(system: LiveSystem, conversation_id: str, wording: str) -> int:
    events: list[dict[str, Any]] = system.tracker(conversation_id).get("events") or []
    return sum(1 for e in events if e.get("event") == "bot" and wording in str(e.get("text") or ""))


@pytest.mark.parametrize("crash_at", ["after_claim", "after_send", "mid_batch"])
def test_a_killed_pump_restarted_delivers_every_message_exactly_once(
    live: LiveSystem, crash_at: str, tmp_path: Path
) -> None:
    engine = make_engine(live.settings.database_url)
    run = uuid.uuid4().hex[:6]
    planned: dict[str, tuple[str, str]] = {}
    with Session(engine) as session:
        for customer_id, ref, order in fresh_customers(engine, PER_RUN):
            key = f"late:{customer_id}:{run}"
            wording = message_text(key, order)
            plan(session, customer_id, key, Channel.WEB, text=wording, extra={"order": order})
            planned[key] = (f"web:{ref}", wording)
        session.commit()
    assert len(planned) == PER_RUN

    first = PumpProcess(pump_environment(live), tmp_path / "pump.log", crash_at=crash_at, batch=3)
    assert killed(first.wait(120)), first.output()
    second = PumpProcess(pump_environment(live), tmp_path / "pump.log", batch=3)
    ours = set(planned)
    rows = wait_for(engine, lambda rows: all(r.state is OutboxState.SENT for r in rows if r.key in ours), 180)
    assert second.stop() == 0, second.output()
    engine.dispose()

    counts = {key: shown(live, conversation, wording) for key, (conversation, wording) in planned.items()}
    assert counts == dict.fromkeys(planned, 1)  # none lost, none twice
    recovered = "found_delivered" in second.output()
    assert recovered == (crash_at == "after_send")  # the tracker told the second pump it was sent
    assert all(r.conversation_id == planned[r.key][0] for r in rows if r.key in ours)
    assert live.token not in first.output() + second.output()  # Rasa's API token never in a log


@pytest.fixture(scope="module")
def telegram_customers(system: LiveSystem) -> Iterator[list[tuple[int, str, str]]]:
    engine = make_engine(system.settings.database_url)
    with Session(engine) as session:
        linked = set(
            session.scalars(
                select(ChannelIdentity.customer_id).where(ChannelIdentity.channel == Channel.TELEGRAM)
            )
        )
    yield [c for c in fresh_customers(engine, 40) if c[0] not in linked][-3:]
    engine.dispose()


def link(system: LiveSystem, ref: str, chat_id: str) -> TelegramChat:
    chat = TelegramChat(system, chat_id)
    chat.say(f"/start {link_through_the_storefront(system, ref)}")
    return chat


def sends_to(system: LiveSystem, chat_id: str) -> list[dict[str, Any]]:
    return [c for c in calls(system, "sendMessage") if str(c["payload"].get("chat_id")) == chat_id]


def test_telegram_errors_are_retried_with_backoff_until_the_message_arrives_once(
    system: LiveSystem, telegram_customers: list[tuple[int, str, str]], tmp_path: Path
) -> None:
    customer_id, ref, order = telegram_customers[0]
    chat = link(system, ref, "420000001")
    engine = make_engine(system.settings.database_url)
    key = f"late:{customer_id}:tg500"
    wording = message_text(key, order)
    with Session(engine) as session:
        plan(session, customer_id, key, Channel.TELEGRAM, text=wording, extra={"order": order})
        session.commit()
    fail_next(system, 500, "420000001", times=8)  # more than the channel's own retries
    before = len(sends_to(system, "420000001"))

    pump = PumpProcess(pump_environment(system), tmp_path / "pump.log", backoff_seconds=1.0)
    rows = wait_for(engine, lambda rows: any(r.key == key and r.state is OutboxState.SENT for r in rows), 180)
    assert pump.stop() == 0, pump.output()
    row = next(r for r in rows if r.key == key)
    engine.dispose()

    tries = sends_to(system, "420000001")[before:]
    assert sum(wording in m["text"] for m in chat.messages() if m["from"] == "bot") == 1
    assert len(tries) == 9 and row.attempts >= 2  # 8 refused, then the one that arrived
    assert "retry" in pump.output() and row.last_error is None


def test_a_blocked_bot_marks_telegram_unreachable_and_stops_trying_there(
    system: LiveSystem, telegram_customers: list[tuple[int, str, str]], tmp_path: Path
) -> None:
    customer_id, ref, order = telegram_customers[1]
    link(system, ref, "420000002")
    engine = make_engine(system.settings.database_url)
    key = f"late:{customer_id}:tg403"
    with Session(engine) as session:
        plan(
            session, customer_id, key, Channel.TELEGRAM, text=message_text(key, order), extra={"order": order}
        )
        session.commit()
    fail_next(system, 403, "420000002")
    before = len(sends_to(system, "420000002"))

    pump = PumpProcess(pump_environment(system), tmp_path / "pump.log")
    rows = wait_for(
        engine, lambda rows: any(r.key == key and r.state is OutboxState.SUPPRESSED for r in rows), 120
    )
    time.sleep(2)  # a pump that kept trying would try again within this
    assert pump.stop() == 0, pump.output()
    with Session(engine) as session:
        identity = session.scalars(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "420000002")
        ).one()
        decision = session.scalars(select(ProactiveDecision).where(ProactiveDecision.key == key)).one()
    engine.dispose()

    assert len(sends_to(system, "420000002")) - before == 1  # one refused try, never another
    assert identity.unreachable_at is not None
    assert decision.stage == "send" and decision.reason == "no_channel" and not decision.allowed
    assert next(r for r in rows if r.key == key).state is OutboxState.SUPPRESSED


def test_a_test_send_reaches_the_customers_web_conversation_marked_as_a_test(
    system: LiveSystem, tmp_path: Path
) -> None:
    engine = make_engine(system.settings.database_url)
    [(customer_id, ref, order)] = fresh_customers(engine, 1)
    with Session(engine) as session:
        session.add(
            Trigger(
                name="late parcels (draft)",
                predictor=Predictor.DELIVERY_RISK,
                template="Sorry: order {order} is running late, {first_name}. We are on it.",
                category=ConsentPurpose.SERVICE,
                window_start=dt_time(8),
                window_end=dt_time(20),
                status=TriggerStatus.DRAFT,
                throttle_per_hour=None,
                created_at=E2E_NOW,
                updated_at=E2E_NOW,
            )
        )
        session.commit()

    done = subprocess.run(
        [sys.executable, "-m", "proactive", "test-send", "late parcels (draft)", "--to", f"web:{ref}",
         "--fact", f"order={order}"],
        cwd=PROJECT_ROOT, env={**os.environ, **pump_environment(system), "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert shown(system, f"web:{ref}", f"[Test] Sorry: order {order} is running late") == 1
    with Session(engine) as session:
        assert (
            session.scalars(select(OutboxMessage).where(OutboxMessage.customer_id == customer_id)).all() == []
        )
    engine.dispose()


def test_a_429_is_waited_out_inside_the_channel_and_costs_the_pump_no_retry(
    system: LiveSystem, telegram_customers: list[tuple[int, str, str]], tmp_path: Path
) -> None:
    customer_id, ref, order = telegram_customers[2]
    chat = link(system, ref, "420000003")
    engine = make_engine(system.settings.database_url)
    key = f"late:{customer_id}:tg429"
    wording = message_text(key, order)
    with Session(engine) as session:
        plan(session, customer_id, key, Channel.TELEGRAM, text=wording, extra={"order": order})
        session.commit()
    fail_next(system, 429, "420000003", retry_after=2)
    before = len(sends_to(system, "420000003"))

    pump = PumpProcess(pump_environment(system), tmp_path / "pump.log")
    rows = wait_for(engine, lambda rows: any(r.key == key and r.state is OutboxState.SENT for r in rows), 120)
    assert pump.stop() == 0, pump.output()
    engine.dispose()

    tries = sends_to(system, "420000003")[before:]
    assert next(r for r in rows if r.key == key).attempts == 1  # no retry of the row: the channel waited
    assert len(tries) == 2 and tries[1]["at"] - tries[0]["at"] >= 1.9  # Telegram's retry_after honoured
    assert sum(wording in m["text"] for m in chat.messages() if m["from"] == "bot") == 1
