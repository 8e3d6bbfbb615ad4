"""The whole chain through the real processes: the demo's triggers scored by the planner, the
pump (its own process, the real policy as its gate) delivering each due message on the channel
the policy chose (the website's conversation, the fake Telegram, the fake mailbox), exactly once,
and a customer answering "yes" in the website's widget until the reorder is placed.

Its own servers and store (not the shared `system`): planning every trigger over every customer
would use up other tests' customers' contact cap.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.demo.writer import seed_demo
from crm.migrate import upgrade
from crm.models import (
    Channel,
    Customer,
    Order,
    OutboxMessage,
    OutboxState,
    ProactiveAnswer,
    ProactiveDecision,
)
from crm.settings import Settings
from crm.uow import UnitOfWork
from fakes.smtp import Mailbox, start_smtp
from proactive.planner import plan_all
from stack.servers import start_system
from stack.telegram import DEMO_TOKEN, FAKE_USERNAME
from tests.support.live import E2E_CUSTOMERS, E2E_NOW, LiveSystem, free_port
from tests.support.outbox import PumpProcess, wait_for
from tests.support.situations import add_situations
from tests.support.widget import Widget, texts

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def chain(ci_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveSystem, Engine]]:
    work = tmp_path_factory.mktemp("chain")
    url = f"sqlite:///{work / 'crm.db'}"
    engine = make_engine(url, create_missing=True)
    upgrade(engine)
    seed_demo(engine, as_of=E2E_NOW, customers=E2E_CUSTOMERS, progress=False)  # with the demo triggers
    add_situations(engine, E2E_NOW)
    shop_port, telegram_port = free_port(), free_port()
    settings = Settings(
        database_url=url,
        tracker_store_url=f"sqlite:///{work / 'tracker.db'}",
        rasa_host="127.0.0.1",
        rasa_port=free_port(),
        action_port=free_port(),
        nlu_port=free_port(),
        rasa_auth_token="chain-token",
        chat_token_secret="chain-chat-secret-at-least-32-bytes-long",
        frozen_now=E2E_NOW,
        shop_origins=(f"http://127.0.0.1:{shop_port}",),
        shop_port=shop_port,
        telegram_bot_token=DEMO_TOKEN,
        telegram_bot_username=FAKE_USERNAME,
        telegram_webhook_secret="chain-telegram-webhook-secret",
        telegram_api_url=f"http://127.0.0.1:{telegram_port}",
        fake_telegram_port=telegram_port,
    )
    running = start_system(settings, "chain-token", lambda: ci_model, echo=False, log_dir=work, channels=True)
    try:
        yield LiveSystem(settings, "chain-token", work), engine
    finally:
        running.stop()
        engine.dispose()


@pytest.fixture(scope="module")
def delivered(chain: tuple[LiveSystem, Engine], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Plans every active trigger at the frozen "now", then lets one pump deliver what is due."""
    system, engine = chain
    summaries = plan_all(UnitOfWork.for_engine(engine), E2E_NOW)
    mailbox, smtp_port = Mailbox(), free_port()
    smtp = start_smtp(mailbox, "127.0.0.1", smtp_port)
    env = {
        "DATABASE_URL": system.settings.database_url,
        "RASA_PORT": str(system.settings.rasa_port),
        "RASA_AUTH_TOKEN": system.token,
        "CHAT_TOKEN_SECRET": system.settings.chat_token_secret or "",
        "SMTP_PORT": str(smtp_port),
        "SHOP_PORT": str(system.settings.shop_port),
    }
    log = tmp_path_factory.mktemp("chain-pump") / "pump.log"
    pump = PumpProcess(env, log, gate=None, frozen_now=E2E_NOW, batch=10, lease_seconds=300)
    try:
        rows = wait_for(engine, lambda rows: not any(_due(r) for r in rows), 600)
        assert pump.stop() == 0, pump.output()
    finally:
        smtp.stop()
    return {"summaries": summaries, "rows": rows, "mails": mailbox.snapshot(), "log": pump.output()}


def _due(row: OutboxMessage) -> bool:
    return row.state is OutboxState.SENDING or (
        row.state is OutboxState.PENDING and row.not_before <= E2E_NOW
    )


def text_of(row: OutboxMessage) -> str:
    return str(json.loads(row.context)["message"])


def test_every_due_message_reaches_its_channel_exactly_once(
    chain: tuple[LiveSystem, Engine], delivered: dict[str, Any]
) -> None:
    system, _ = chain
    sent = [r for r in delivered["rows"] if r.state is OutboxState.SENT]
    channels = Counter(r.channel for r in sent)
    assert sum(s.planned for s in delivered["summaries"]) == len(delivered["rows"]) > 0
    assert all(channels[c] > 0 for c in Channel), channels  # the policy used all three channels here
    fake = system.settings.telegram_api_url
    mails = Counter(m["key"] for m in delivered["mails"])
    for row in sent:
        wording = text_of(row)
        if row.channel is Channel.WEB:
            events = system.tracker(str(row.conversation_id))["events"]
            seen = sum(e.get("event") == "bot" and wording in str(e.get("text")) for e in events)
        elif row.channel is Channel.TELEGRAM:
            chat = str(row.conversation_id).removeprefix("tg:")
            messages = httpx.get(f"{fake}/fake/chats/{chat}", timeout=30).json()
            seen = sum(m["from"] == "bot" and wording in m["text"] for m in messages)
        else:
            seen = mails[row.key]
            assert [m["to"] for m in delivered["mails"] if m["key"] == row.key] == [[row.conversation_id]]
        assert seen == 1, (row.key, row.channel, seen)
    assert sum(mails.values()) == channels[Channel.EMAIL]  # and nothing else went out by mail


def test_each_send_was_checked_by_the_policy_again_and_recorded(
    chain: tuple[LiveSystem, Engine], delivered: dict[str, Any]
) -> None:
    _, engine = chain
    handled = [r for r in delivered["rows"] if r.state is not OutboxState.PENDING]
    with Session(engine) as session:
        decisions = {
            (d.key, d.allowed)
            for d in session.scalars(select(ProactiveDecision).where(ProactiveDecision.stage == "send"))
        }
    for row in handled:
        assert (row.key, row.state is OutboxState.SENT) in decisions, row.key
    later = [r for r in delivered["rows"] if r.state is OutboxState.PENDING]
    assert all(r.not_before > E2E_NOW for r in later)  # quiet hours, windows: not yet due


def test_a_customer_answers_yes_in_the_widget_and_the_reorder_is_placed_after_confirming(
    chain: tuple[LiveSystem, Engine], delivered: dict[str, Any]
) -> None:
    system, engine = chain
    row = next(
        r for r in delivered["rows"]
        if r.state is OutboxState.SENT and r.channel is Channel.WEB and r.intent == "EXTERNAL_replenishment"
    )  # fmt: skip
    ref = str(row.conversation_id).removeprefix("web:")
    with Session(engine) as session:
        customer_id = session.scalars(select(Customer.id).where(Customer.external_ref == ref)).one()

        def orders() -> int:
            return session.scalar(select(func.count(Order.id)).where(Order.customer_id == customer_id)) or 0

        before = orders()
    widget = Widget(system, token=system.chat_token(ref))
    try:
        shown = texts(widget.history)
        asked = texts(widget.say("yes please"))
        placed = texts(widget.say("yes"))
    finally:
        widget.close()

    assert text_of(row) in shown  # the reason, once, from the transcript
    assert "Shall I order" in asked and "placed order" in placed
    with Session(engine) as session:
        after = session.scalar(select(func.count(Order.id)).where(Order.customer_id == customer_id))
        answer = session.scalars(select(OutboxMessage.answer).where(OutboxMessage.key == row.key)).one()
    assert after == before + 1 and answer is ProactiveAnswer.ACCEPTED
