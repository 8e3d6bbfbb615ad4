"""Telegram end to end through the fake Bot API: link, ask, receive a pushed message, press a button."""

from __future__ import annotations

import itertools
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.models import Channel, ChannelIdentity, Customer, Order
from crm.services.preferences import marketing_consent
from crm.uow import UnitOfWork
from outreach.rasa_api import RasaApi
from outreach.send import Delivery, Outreach
from tests.support.live import LiveSystem
from tests.support.telegram import TelegramChat, calls, fail_next, link_through_the_storefront, texts

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def store(system: LiveSystem) -> Engine:
    return make_engine(system.settings.database_url)


@pytest.fixture(scope="module")
def outreach(system: LiveSystem, store: Engine) -> Outreach:
    return Outreach(
        lambda: UnitOfWork.for_engine(store),
        RasaApi(system.settings.rasa_url, system.token),
        system.settings.now,
    )


def web_only_customers(store: Engine) -> list[tuple[str, int, str]]:
    """(ref, id, latest order number) of customers with orders and no Telegram link yet."""
    with Session(store) as session:
        linked = set(
            session.scalars(
                select(ChannelIdentity.customer_id).where(ChannelIdentity.channel == Channel.TELEGRAM)
            )
        )
        rows = session.execute(
            select(Customer.external_ref, Customer.id, Order.number)
            .join(Order, Order.customer_id == Customer.id)
            .where(Customer.external_ref > "C00200")
            .order_by(Customer.id, Order.placed_at)
        ).all()
    latest: dict[str, tuple[int, str]] = {}
    for ref, customer_id, number in rows:
        if customer_id not in linked:
            latest[ref] = (customer_id, number)
    return [(ref, cid, number) for ref, (cid, number) in latest.items()]


def linked_chat(system: LiveSystem, ref: str, chat_id: str) -> TelegramChat:
    chat = TelegramChat(system, chat_id)
    welcome = texts(chat.say(f"/start {link_through_the_storefront(system, ref)}"))
    assert "linked to your account" in welcome, welcome
    return chat


def late(order: str) -> dict[str, Any]:
    return {
        "order": order,
        "message": f"Sorry: order {order} is running late. Shall we chase the carrier for you?",
    }


def test_link_ask_receive_a_pushed_message_and_answer_it_with_a_button(
    system: LiveSystem, store: Engine, outreach: Outreach
) -> None:
    ref, _, order = web_only_customers(store)[0]
    chat = linked_chat(system, ref, "410000001")

    status = texts(chat.say("where is my order?"))
    result = outreach.send(ref, Channel.TELEGRAM, "EXTERNAL_delivery_late", late(order), f"late:{ref}:tg")
    pushed = chat.messages()[-1]
    answered = chat.press("Yes, please")

    assert order in status
    assert result.status is Delivery.DELIVERED and result.conversation_id == "tg:410000001"
    assert f"order {order} is running late" in pushed["text"]
    assert [b[0]["text"] for b in pushed["keyboard"]][:2] == ["Yes, please", "Not now"]
    assert "chasing the carrier" in texts(answered)
    assert calls(system, "answerCallbackQuery")
    assert chat.messages()[-3]["keyboard"] == []  # the pressed keyboard is gone: one answer only


def test_a_used_link_links_no_other_chat(system: LiveSystem, store: Engine) -> None:
    ref, _, order = web_only_customers(store)[1]
    code = link_through_the_storefront(system, ref)
    TelegramChat(system, "410000002").say(f"/start {code}")

    thief = TelegramChat(system, "410000003")
    refused = texts(thief.say(f"/start {code}"))
    asked = texts(thief.say("where is my order?"))

    assert "doesn't work any more" in refused
    assert order not in asked and "email" in asked.lower()


@pytest.mark.parametrize("header", [None, "wrong-secret"], ids=["no-secret", "wrong-secret"])
def test_an_update_without_the_webhook_secret_is_refused_and_changes_nothing(
    system: LiveSystem, store: Engine, header: str | None
) -> None:
    ref, customer_id, _ = web_only_customers(store)[2]
    linked_chat(system, ref, "410000004")
    before = len(system.tracker("tg:410000004")["events"])
    consent = marketing_consent(UnitOfWork.for_engine(store), customer_id)
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 410000004, "type": "private"},
            "from": {"id": 410000004, "is_bot": False, "first_name": "Mallory"},
            "text": "/stop",
        },
    }

    response = httpx.post(
        f"{system.settings.rasa_url}/webhooks/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": header} if header else {},
        timeout=30,
    )

    assert response.status_code == 403
    assert len(system.tracker("tg:410000004")["events"]) == before
    assert marketing_consent(UnitOfWork.for_engine(store), customer_id) == consent


def test_stop_becomes_an_opt_out_recorded_in_the_store(system: LiveSystem, store: Engine) -> None:
    ref, customer_id, _ = web_only_customers(store)[3]
    chat = linked_chat(system, ref, "410000005")

    reply = texts(chat.say("/stop"))

    assert "no more news or offers" in reply
    assert not any(marketing_consent(UnitOfWork.for_engine(store), customer_id).values())


def test_a_429_is_waited_out_and_the_message_still_arrives(
    system: LiveSystem, store: Engine, outreach: Outreach
) -> None:
    ref, _, order = web_only_customers(store)[4]
    chat = linked_chat(system, ref, "410000006")
    fail_next(system, 429, "410000006", retry_after=2)
    before = len(calls(system, "sendMessage"))

    result = outreach.send(ref, Channel.TELEGRAM, "EXTERNAL_delivery_late", late(order), f"late:{ref}:429")

    attempts = [c for c in calls(system, "sendMessage")[before:] if c["payload"]["chat_id"] == "410000006"]
    assert result.delivered and "running late" in chat.messages()[-1]["text"]
    assert len(attempts) == 2 and attempts[1]["at"] - attempts[0]["at"] >= 1.9


def test_replies_to_one_chat_keep_a_second_apart(system: LiveSystem, store: Engine) -> None:
    ref, _, _ = web_only_customers(store)[5]
    chat = linked_chat(system, ref, "410000007")
    before = len(calls(system, "sendMessage"))

    chat.say("where is my order and can I get the invoice?")

    sent = [c["at"] for c in calls(system, "sendMessage")[before:] if c["payload"]["chat_id"] == "410000007"]
    assert len(sent) >= 2
    assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(sent))


def test_a_customer_who_blocked_the_bot_is_marked_unreachable_and_not_tried_again(
    system: LiveSystem, store: Engine, outreach: Outreach
) -> None:
    ref, _, order = web_only_customers(store)[6]
    linked_chat(system, ref, "410000008")
    fail_next(system, 403, "410000008")

    blocked = outreach.send(ref, Channel.TELEGRAM, "EXTERNAL_delivery_late", late(order), f"late:{ref}:403")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and unreachable_at(store, "410000008") is None:
        time.sleep(0.5)
    tries = len(calls(system, "sendMessage"))
    again = outreach.send(ref, Channel.TELEGRAM, "EXTERNAL_delivery_late", late(order), f"late:{ref}:403b")

    assert blocked.status is Delivery.UNREACHABLE
    assert unreachable_at(store, "410000008") is not None
    assert again.status is Delivery.NO_CHANNEL and len(calls(system, "sendMessage")) == tries


def unreachable_at(store: Engine, chat_id: str) -> Any:
    with Session(store) as session:
        return session.scalars(
            select(ChannelIdentity.unreachable_at).where(
                ChannelIdentity.channel == Channel.TELEGRAM, ChannelIdentity.external_id == chat_id
            )
        ).one_or_none()
