"""Answers to a message the shop sends first, through the real servers: the reply AND the store.

Each test pushes a proactive message the way the pump does (its context stored, an outbox row
in state `sent`, then Rasa's `trigger_intent` carrying only the key) and answers it through the
REST channel with a signed token. Every answer is checked in the reply and in the store: the
outbox row's answer, the reminder planned again, consent rows, preferences, orders and cases.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.models import (
    CaseKind,
    Channel,
    ChannelIdentity,
    Customer,
    Device,
    HandoffReason,
    Order,
    OrderStatus,
    OutboxState,
    ProactiveAnswer,
    Product,
    SupportCase,
)
from crm.services.preferences import marketing_consent, preferences, set_marketing_consent
from crm.uow import UnitOfWork
from outreach.rasa_api import RasaApi
from outreach.send import Outreach
from tests.support.live import LiveSystem
from tests.support.proactive_messages import add_sent_message, outbox_row, push_proactive
from tests.support.telegram import TelegramChat, link_through_the_storefront
from tests.support.widget import Widget, texts

pytestmark = pytest.mark.e2e
# Customers no scenario persona reaches (see tests/support/personas.py LAST_PROACTIVE).
_CUSTOMERS = (f"C{n:05d}" for n in itertools.count(281))
_SENDERS = itertools.count(1)


@pytest.fixture(scope="module")
def store(system: LiveSystem) -> Iterator[Engine]:
    engine = make_engine(system.settings.database_url)
    yield engine
    engine.dispose()


class Pushed:
    """One proactive message in one REST conversation, and its customer."""

    def __init__(self, system: LiveSystem, store: Engine, ref: str, context: dict[str, Any]) -> None:
        self.system, self.store, self.ref = system, store, ref
        self.sender = f"proactive-{next(_SENDERS)}"
        self.conversation_id = f"rest:{self.sender}"
        with Session(store) as session:
            customer = session.scalars(select(Customer).where(Customer.external_ref == ref)).one()
            self.customer_id, self.zone = customer.id, ZoneInfo(customer.time_zone)
        kind = str(context["kind"])
        self.key = f"{kind}:{ref}:{self.sender}"
        self.context = {**context, "key": self.key, "customer_id": self.customer_id}
        self.shown = push_proactive(system, store, self.conversation_id, self.context)

    def say(self, text: str) -> str:
        return self.system.send(self.sender, text, customer=self.ref).text

    @property
    def answer(self) -> ProactiveAnswer | None:
        row = outbox_row(self.store, self.key)
        assert row is not None
        return row.answer

    def orders(self) -> int:
        with Session(self.store) as session:
            return (
                session.scalar(select(func.count(Order.id)).where(Order.customer_id == self.customer_id)) or 0
            )

    def cases(self, kind: CaseKind) -> list[SupportCase]:
        with Session(self.store) as session:
            return list(
                session.scalars(
                    select(SupportCase).where(
                        SupportCase.customer_id == self.customer_id, SupportCase.kind == kind
                    )
                )
            )

    def age(self, hours: int) -> None:
        """Moves the conversation `hours` into the past in Rasa's store: Rasa's own session expiry applies.

        Rasa's API cannot rewrite stored events (its SQL store only appends newer ones), so the
        test rewrites the timestamps where Rasa reads them back from: the column and the JSON.
        """
        tracker_db = create_engine(self.system.settings.tracker_store_url)
        try:
            with tracker_db.begin() as connection:
                rows = connection.execute(
                    text("SELECT id, timestamp, data FROM events WHERE sender_id = :sender"),
                    {"sender": self.conversation_id},
                ).all()
                for row_id, stamp, data in rows:
                    event = json.loads(data)
                    event["timestamp"] = float(event["timestamp"]) - hours * 3600
                    connection.execute(
                        text("UPDATE events SET timestamp = :stamp, data = :data WHERE id = :id"),
                        {"stamp": float(stamp) - hours * 3600, "data": json.dumps(event), "id": row_id},
                    )
        finally:
            tracker_db.dispose()


def capsules(store: Engine) -> int:
    with Session(store) as session:
        return session.scalars(select(Product.id).where(Product.sku == "CAP-50")).one()


def refill(store: Engine) -> dict[str, Any]:
    return {
        "kind": "replenishment",
        "product_id": capsules(store),
        "quantity": 2,
        "message": "Your capsules may run out around Tue 24 Nov (you buy them every 25 days). Shall I "
        "reorder 2 x Barista espresso capsules?",
    }


@pytest.fixture
def offer(system: LiveSystem, store: Engine) -> Pushed:
    return Pushed(system, store, next(_CUSTOMERS), refill(store))


def test_the_message_is_shown_with_its_reason(offer: Pushed) -> None:
    assert "you buy them every 25 days" in offer.shown
    assert offer.answer is None


def test_yes_quotes_the_exact_order_and_places_it_only_after_the_confirmation(offer: Pushed) -> None:
    before = offer.orders()

    asked = offer.say("yes please")
    orders_when_asked, answer_when_asked = offer.orders(), offer.answer
    placed = offer.say("yes")

    assert "Shall I order 2 x" in asked and "EUR" in asked
    assert orders_when_asked == before and answer_when_asked is None
    assert "placed order" in placed
    assert offer.orders() == before + 1 and offer.answer is ProactiveAnswer.ACCEPTED


def test_an_answer_hours_later_in_a_new_session_still_works(offer: Pushed) -> None:
    before = offer.orders()
    offer.age(hours=5)  # past the hour after which Rasa starts a new session

    asked = offer.say("yes please")
    placed = offer.say("yes")

    events = offer.system.api(
        "GET", f"/conversations/{offer.conversation_id}/tracker", params={"include_events": "ALL"}
    ).json()["events"]
    assert sum(e.get("event") == "session_started" for e in events) >= 2  # Rasa did start a new one
    assert "Shall I order 2 x" in asked and "placed order" in placed
    assert offer.orders() == before + 1 and offer.answer is ProactiveAnswer.ACCEPTED


def test_not_now_orders_nothing_and_starts_the_cooldown(offer: Pushed) -> None:
    before = offer.orders()

    reply = offer.say("not now thanks")

    assert "No problem" in reply
    assert offer.orders() == before and offer.answer is ProactiveAnswer.DECLINED


def test_remind_me_in_3_days_plans_the_message_again_for_that_day(offer: Pushed) -> None:
    now = offer.system.settings.now()
    day = (now.astimezone(offer.zone) + timedelta(days=3)).date()

    reply = offer.say("can you remind me in 3 days")

    again = outbox_row(offer.store, f"{offer.key}:snooze:1")
    assert f"remind you on {day:%a %-d %b}" in reply
    assert offer.answer is ProactiveAnswer.SNOOZED
    assert again is not None and again.state is OutboxState.PENDING and again.answer is None
    assert again.not_before.astimezone(offer.zone).date() == day
    assert again.context["message"] == offer.context["message"]


def test_less_often_halves_the_frequency_once_confirmed(offer: Pushed) -> None:
    before = preferences(UnitOfWork.for_engine(offer.store), offer.customer_id).max_proactive_per_week

    asked = offer.say("less often please")
    done = offer.say("yes")

    after = preferences(UnitOfWork.for_engine(offer.store), offer.customer_id).max_proactive_per_week
    assert "at most" in asked and "Done" in done
    assert offer.answer is ProactiveAnswer.LESS_OFTEN and after == max(1, before // 2) and after < before


def test_another_channel_changes_the_channel_once_confirmed(offer: Pushed) -> None:
    asked = offer.say("can you send these by email instead")
    done = offer.say("yes")

    view = preferences(UnitOfWork.for_engine(offer.store), offer.customer_id)
    assert "by email" in asked and "email" in done
    assert offer.answer is ProactiveAnswer.OTHER_CHANNEL and view.preferred_channel is Channel.EMAIL


def test_stop_withdraws_consent_at_once_and_undo_brings_it_back(offer: Pushed) -> None:
    uow = UnitOfWork.for_engine(offer.store)

    stopped = offer.say("stop")
    consent_after_stop = marketing_consent(uow, offer.customer_id)
    offer.say("undo")
    undone = offer.say("yes")

    assert "no more news or offers" in stopped and "undo" in stopped.lower()
    assert not any(consent_after_stop.values())
    assert offer.answer is ProactiveAnswer.OPTED_OUT
    assert all(marketing_consent(uow, offer.customer_id).values()), undone


def test_a_person_after_our_message_sees_the_message_in_the_case(offer: Pushed) -> None:
    reply = offer.say("can I speak to a real person about this")
    cases = offer.cases(CaseKind.HANDOFF)
    withdrawn = offer.say("cancel the request, I don't need a person any more")  # others queue after us

    assert "colleague" in reply and "withdrawn" in withdrawn
    assert len(cases) == 1 and cases[0].reason is HandoffReason.PROACTIVE
    assert offer.key in cases[0].description and "you buy them every 25 days" in cases[0].description


def test_yes_to_a_service_reminder_books_it_with_the_wish(system: LiveSystem, store: Engine) -> None:
    with Session(store) as session:
        ref, serial, name = session.execute(
            select(Customer.external_ref, Device.serial, Product.name)
            .join(Device, Device.customer_id == Customer.id)
            .join(Product, Product.id == Device.product_id)
            .where(Customer.external_ref > "C00260", Product.service_interval_days > 0)
            .order_by(Customer.id.desc())
        ).first() or pytest.fail("no demo customer with a device")
    message = f"Your {name} is due for its yearly service. Shall I ask our service team to book it?"
    pushed = Pushed(system, store, ref, {"kind": "service_due", "serial": serial, "message": message})
    before = pushed.cases(CaseKind.QUESTION)

    reply = pushed.say("yes please, but can it be done next week?")

    new = [c for c in pushed.cases(CaseKind.QUESTION) if c.id not in {b.id for b in before}]
    assert "service team will contact you" in reply and "next week" in reply
    assert len(new) == 1 and "next week" in new[0].description
    assert pushed.answer is ProactiveAnswer.ACCEPTED


def test_a_typed_external_intent_shows_nothing_and_changes_nothing(system: LiveSystem, store: Engine) -> None:
    with Session(store) as session:
        customer_id = session.scalars(select(Customer.id).where(Customer.external_ref == "C00030")).one()
        before = session.scalar(select(func.count(Order.id)).where(Order.customer_id == customer_id))

    reply = system.send(
        "typed-external",
        '/EXTERNAL_replenishment{"key": "replenishment:C00030:2026-11-20"}',
        customer="C00030",
    )
    after_yes = system.send("typed-external", "yes", customer="C00030")

    with Session(store) as session:
        after = session.scalar(select(func.count(Order.id)).where(Order.customer_id == customer_id))
    assert "Shall I" not in reply.text and "placed order" not in after_yes.text
    assert after == before


def outreach_for(system: LiveSystem, store: Engine) -> Outreach:
    return Outreach(
        lambda: UnitOfWork.for_engine(store),
        RasaApi(system.settings.rasa_url, system.token),
        system.settings.now,
    )


def unlinked_customer(store: Engine, low: str, high: str) -> tuple[str, int]:
    """A customer in [low, high] without a Telegram link, whom no other test here uses.

    Not one whose latest order is on its way: the browser tests pick those above C00250, and
    their widget must not open on our message.
    """
    with Session(store) as session:
        linked = set(
            session.scalars(
                select(ChannelIdentity.customer_id).where(ChannelIdentity.channel == Channel.TELEGRAM)
            )
        )
        latest: dict[int, OrderStatus] = {}
        for customer_id, status in session.execute(
            select(Order.customer_id, Order.status).order_by(Order.placed_at)
        ):
            latest[customer_id] = status
        rows = session.execute(
            select(Customer.external_ref, Customer.id)
            .where(Customer.external_ref.between(low, high))
            .order_by(Customer.id.desc())
        ).all()
    return next(
        (ref, cid) for ref, cid in rows if cid not in linked and latest.get(cid) is not OrderStatus.SHIPPED
    )


def test_remind_me_later_pressed_in_the_website_widget(system: LiveSystem, store: Engine) -> None:
    ref, customer_id = unlinked_customer(store, "C00271", "C00275")
    key = f"replenishment:{ref}:web"
    context = {**refill(store), "key": key, "kind": "replenishment", "customer_id": customer_id}
    add_sent_message(store, key, customer_id, context, system.settings.now(), conversation_id=f"web:{ref}")
    widget = Widget(system, token=system.chat_token(ref))

    sent = outreach_for(system, store).send(ref, Channel.WEB, "EXTERNAL_replenishment", refill(store), key)
    shown = widget.replies(timeout=30)
    later = next(
        b for m in shown for b in m.get("quick_replies") or [] if b["title"] == "Remind me next week"
    )
    reply = texts(widget.say(later["payload"]))
    widget.close()

    original, again = outbox_row(store, key), outbox_row(store, f"{key}:snooze:1")
    assert sent.delivered and "you buy them every 25 days" in texts(shown)
    assert "remind you on" in reply
    assert original is not None and original.answer is ProactiveAnswer.SNOOZED
    assert again is not None and again.state is OutboxState.PENDING


def test_stop_pressed_on_telegram_opts_out_and_undo_brings_it_back(system: LiveSystem, store: Engine) -> None:
    ref, customer_id = unlinked_customer(store, "C00276", "C00280")
    chat = TelegramChat(system, "410000271")
    welcome = texts(chat.say(f"/start {link_through_the_storefront(system, ref)}"))
    key = f"replenishment:{ref}:tg"
    context = {**refill(store), "key": key, "kind": "replenishment", "customer_id": customer_id}
    add_sent_message(store, key, customer_id, context, system.settings.now(), channel=Channel.TELEGRAM)
    set_marketing_consent(UnitOfWork.for_engine(store), customer_id, True, system.settings.now())

    sent = outreach_for(system, store).send(
        ref, Channel.TELEGRAM, "EXTERNAL_replenishment", refill(store), key
    )
    stopped = texts(chat.press("Stop these messages"))
    consent_after_stop = marketing_consent(UnitOfWork.for_engine(store), customer_id)
    asked = texts(chat.press("Undo"))
    undone = texts(chat.press("Yes, undo it"))

    row = outbox_row(store, key)
    assert "linked to your account" in welcome and sent.delivered
    assert "no more news or offers" in stopped and not any(consent_after_stop.values())
    assert row is not None and row.answer is ProactiveAnswer.OPTED_OUT
    assert asked and all(marketing_consent(UnitOfWork.for_engine(store), customer_id).values()), undone
