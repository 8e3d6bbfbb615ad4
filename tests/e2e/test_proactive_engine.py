"""The proactive engine end to end through the real servers: due, planned, delivered, answered, recorded.

A demo customer's purchase history (seeded here) says a consumable runs out in two days. A
trigger (data: the demo refill trigger, for this customer only and with no holdout) plans the
message with the real policy; the pump delivers it with the real send gate through Rasa: on
Telegram (the fake Bot API, a chat linked through the storefront) and on the website (the
socket.io conversation `web:<ref>`). The customer answers "yes", confirms the exact order, the
reorder is placed, and the outbox row shows `sent` and `accepted`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.models import (
    CaseStatus,
    Channel,
    ChannelIdentity,
    CommunicationPreferences,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    OutboxMessage,
    OutboxState,
    ProactiveAnswer,
    Product,
    ProductKind,
    SupportCase,
    Trigger,
    TriggerStatus,
)
from crm.services.preferences import set_marketing_consent
from crm.uow import UnitOfWork
from outreach.rasa_api import RasaApi
from outreach.send import Outreach
from proactive.assignment import in_control_group
from proactive.channels import ChatSender
from proactive.gate import check_before_send
from proactive.planner import plan_trigger
from proactive.policy import policy_settings
from proactive.pump import Pump
from proactive.triggers import DEMO_TRIGGERS
from tests.support.live import LiveSystem
from tests.support.proactive_messages import outbox_row
from tests.support.telegram import TelegramChat, link_through_the_storefront
from tests.support.widget import Widget, texts

pytestmark = pytest.mark.e2e
# Above the customers the proactive scenario personas count down from, below test_proactive_answers'.
FIRST, LAST = "C00251", "C00270"
REFILL = next(t for t in DEMO_TRIGGERS if t["name"] == "consumable-refill")


@pytest.fixture(scope="module")
def store(system: LiveSystem) -> Iterator[Engine]:
    engine = make_engine(system.settings.database_url)
    yield engine
    engine.dispose()


@dataclass(frozen=True)
class Due:
    """A customer whose refill comes due, and the trigger that is only for them."""

    ref: str
    customer_id: int
    product: str
    trigger: str


def candidates(store: Engine, now: datetime, taken: set[str]) -> list[tuple[str, int]]:
    """Customers the policy may message now (awake at noon UTC, no open case, not in the control
    group) whom no other test module needs as they are."""
    control = policy_settings().control_percent
    with Session(store) as session:
        linked = set(
            session.scalars(
                select(ChannelIdentity.customer_id).where(ChannelIdentity.channel == Channel.TELEGRAM)
            )
        )
        busy = set(
            session.scalars(
                select(SupportCase.customer_id).where(
                    SupportCase.status.in_([CaseStatus.OPEN, CaseStatus.WAITING_AGENT, CaseStatus.WITH_AGENT])
                )
            )
        )
        latest: dict[int, OrderStatus] = {}
        for customer_id, status in session.execute(
            select(Order.customer_id, Order.status).order_by(Order.placed_at)
        ):
            latest[customer_id] = status
        rows = session.execute(
            select(Customer.external_ref, Customer.id, Customer.time_zone)
            .where(Customer.external_ref.between(FIRST, LAST))
            .order_by(Customer.id)
        ).all()
    return [
        (ref, customer_id)
        for ref, customer_id, zone in rows
        if ref not in taken
        and customer_id not in linked | busy
        # Late deliveries are other tests' seeded situations; the browser tests pick shipped ones.
        and latest.get(customer_id) is not OrderStatus.SHIPPED
        and not in_control_group(customer_id, control)
        and 10 <= now.astimezone(ZoneInfo(zone)).hour <= 17
    ]


def make_due(store: Engine, ref: str, customer_id: int, channel: Channel, now: datetime) -> Due:
    """Seeds a refill history that runs out in two days, the customer's consent and contact settings."""
    with Session(store) as session:
        bought = set(
            session.scalars(select(OrderLine.product_id).join(Order).where(Order.customer_id == customer_id))
        )
        product = session.scalars(
            select(Product)
            .where(Product.kind == ProductKind.CONSUMABLE, Product.use_up_days.is_not(None))
            .order_by(Product.id)
        ).all()
        chosen = next(p for p in product if p.id not in bought)  # its rhythm is ours alone
        days = int(chosen.use_up_days or 0)
        last = now - timedelta(days=days - 2)  # one unit lasts `days`: it runs out in two days
        for index in range(4):
            placed = last - timedelta(days=days * (3 - index))
            order = Order(
                number=f"E2E{customer_id}-{index}",
                customer_id=customer_id,
                placed_at=placed,
                status=OrderStatus.DELIVERED,
                currency="EUR",
                ship_country="United Kingdom",
            )
            order.lines.append(OrderLine(product_id=chosen.id, quantity=1, unit_price=chosen.price))
            session.add(order)
        prefs = session.get(CommunicationPreferences, customer_id)
        assert prefs is not None
        prefs.preferred_channel, prefs.max_proactive_per_week = channel, 3
        prefs.quiet_hours_start, prefs.quiet_hours_end = time(22), time(7)
        name = f"e2e-refill-{ref}"
        values = {
            **REFILL,
            "name": name,
            "audience": json.dumps({"customer_refs": [ref]}),
            "holdout_percent": 0,
            "throttle_per_hour": None,
        }
        session.add(Trigger(**values, status=TriggerStatus.ACTIVE, created_at=now, updated_at=now))
        session.commit()
        product_name = chosen.name
    set_marketing_consent(UnitOfWork.for_engine(store), customer_id, True, now)
    return Due(ref, customer_id, product_name, name)


def pump(system: LiveSystem, store: Engine) -> Pump:
    """The real pump with the real send gate, sending through Rasa like `python -m proactive pump`."""
    uow = lambda: UnitOfWork.for_engine(store)  # noqa: E731
    rasa = RasaApi(system.settings.rasa_url, system.token)
    chats = ChatSender(Outreach(uow, rasa, system.settings.now), rasa)
    return Pump(
        uow,
        check_before_send,
        {Channel.WEB: chats, Channel.TELEGRAM: chats},
        system.settings.now,
        owner="e2e-engine",
    )


def planned_row(store: Engine, due: Due) -> OutboxMessage:
    with Session(store) as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.customer_id == due.customer_id)).one()
        session.expunge(row)
        return row


def orders(store: Engine, customer_id: int) -> int:
    with Session(store) as session:
        return session.scalar(select(func.count(Order.id)).where(Order.customer_id == customer_id)) or 0


def test_a_due_refill_reaches_telegram_and_a_confirmed_yes_drafts_the_reorder(
    system: LiveSystem, store: Engine
) -> None:
    now = system.settings.now()
    ref, customer_id = candidates(store, now, set())[0]
    chat = TelegramChat(system, "410000251")
    welcome = texts(chat.say(f"/start {link_through_the_storefront(system, ref)}"))
    due = make_due(store, ref, customer_id, Channel.TELEGRAM, now)

    summary = plan_trigger(UnitOfWork.for_engine(store), due.trigger, now)
    planned = planned_row(store, due)
    report = pump(system, store).run_batch()
    pushed = chat.messages()[-1]
    before = orders(store, customer_id)
    asked = texts(chat.press("Yes, please"))
    orders_when_asked = orders(store, customer_id)
    placed = texts(chat.say("yes"))

    row = outbox_row(store, planned.key)
    assert "linked to your account" in welcome
    assert summary.planned == 1 and planned.state is OutboxState.PENDING
    assert report.outcomes["sent"] >= 1
    assert due.product in pushed["text"] and "usually lasts you about" in pushed["text"]  # the reason
    assert [b[0]["text"] for b in pushed["keyboard"]][:2] == ["Yes, please", "Not now"]
    assert f"Shall I order 1 x {due.product}" in asked and orders_when_asked == before
    assert "placed order" in placed and orders(store, customer_id) == before + 1
    assert row is not None and row.state is OutboxState.SENT and row.answer is ProactiveAnswer.ACCEPTED


def test_a_due_refill_reaches_the_website_widget_and_is_answered_there(
    system: LiveSystem, store: Engine
) -> None:
    now = system.settings.now()
    taken = {ref for (ref,) in _triggered(store)}
    ref, customer_id = candidates(store, now, taken)[0]
    due = make_due(store, ref, customer_id, Channel.WEB, now)
    widget = Widget(system, token=system.chat_token(ref))

    plan_trigger(UnitOfWork.for_engine(store), due.trigger, now)
    key = planned_row(store, due).key
    pump(system, store).run_batch()
    shown = widget.replies(timeout=30)
    before = orders(store, customer_id)
    asked = texts(widget.say("yes please"))
    placed = texts(widget.say("yes"))
    widget.close()

    row = outbox_row(store, key)
    assert widget.conversation_id == f"web:{ref}"
    assert due.product in texts(shown) and any(m.get("quick_replies") for m in shown)
    assert f"Shall I order 1 x {due.product}" in asked
    assert "placed order" in placed and orders(store, customer_id) == before + 1
    assert row is not None and row.state is OutboxState.SENT and row.channel is Channel.WEB
    assert row.answer is ProactiveAnswer.ACCEPTED


def _triggered(store: Engine) -> list[tuple[str]]:
    """Customers an earlier test here gave a trigger of their own."""
    with Session(store) as session:
        names = session.scalars(select(Trigger.name).where(Trigger.name.like("e2e-refill-%"))).all()
    return [(name.removeprefix("e2e-refill-"),) for name in names]
