"""Linking a Telegram chat with the deep link's code, and the channel telling us a chat blocked the bot."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import Channel, Customer
from crm.services.channel_links import create_link_code, reachable_chat
from crm.services.customers import identify_customer
from crm.services.errors import UnknownCustomer
from crm.uow import UnitOfWork
from tests.support.dialogue import Chat
from tests.support.shops import NOW, orders_shop


@pytest.fixture
def shop(store: Engine) -> Engine:
    orders_shop(store)
    return store


def anna_id(store: Engine) -> int:
    with Session(store) as session:
        return session.scalars(select(Customer.id).where(Customer.external_ref == "C90001")).one()


def code_for_anna(store: Engine) -> str:
    return create_link_code(UnitOfWork.for_engine(store), anna_id(store), Channel.TELEGRAM, NOW)


def telegram(store: Engine, chat: str = "5551") -> Chat:
    return Chat(store, NOW, conversation_id=f"tg:{chat}", channel=Channel.TELEGRAM)


def start(chat: Chat, code: str | None) -> str:
    """What the Telegram channel makes of `/start <code>`."""
    if code is None:
        return chat.send("/link_account", "link_account")
    return chat.send(f'/link_account{{"code":"{code}"}}', "link_account", entities={"code": code})


def as_the_channel_sees_it(chat: Chat) -> Chat:
    """The next turn of the same chat: the action looks the chat id up among linked identities."""
    try:
        chat.verified = identify_customer(
            chat.uow(), Channel.TELEGRAM, chat.conversation_id.removeprefix("tg:")
        )
    except UnknownCustomer:
        chat.verified = None
    return chat


def test_the_deep_link_links_the_chat_and_questions_are_answered_from_the_account(shop: Engine) -> None:
    chat = telegram(shop)

    welcome = start(chat, code_for_anna(shop))
    reply = as_the_channel_sees_it(chat).send("where is my order?", "track_order")

    assert "Hi Anna" in welcome and "linked" in welcome
    assert "2000004" in reply


def test_a_used_code_links_no_second_chat(shop: Engine) -> None:
    code = code_for_anna(shop)
    start(telegram(shop, "5551"), code)

    thief = telegram(shop, "6662")
    refused = start(thief, code)

    assert "doesn't work any more" in refused and "Anna" not in refused
    assert as_the_channel_sees_it(thief).verified is None


def test_a_plain_start_explains_how_to_link(shop: Engine) -> None:
    reply = start(telegram(shop), None)

    assert "Connect Telegram" in reply


def test_the_link_intent_links_nothing_outside_telegram(shop: Engine) -> None:
    web = Chat(shop, NOW, conversation_id="web:C90002", customer_ref="C90002")

    reply = start(web, code_for_anna(shop))

    assert "only in Telegram" in reply
    with pytest.raises(UnknownCustomer):
        identify_customer(web.uow(), Channel.TELEGRAM, "web:C90002")


def test_a_blocked_chat_is_marked_unreachable_silently_and_writing_again_clears_it(shop: Engine) -> None:
    chat = telegram(shop)
    start(chat, code_for_anna(shop))
    as_the_channel_sees_it(chat)

    signal = chat.send("/channel_unreachable", "channel_unreachable", metadata={"channel_event": "blocked"})
    unreachable = reachable_chat(chat.uow(), anna_id(shop), Channel.TELEGRAM)
    chat.send("hi again", "greet")

    assert signal == "" and unreachable is None
    assert reachable_chat(chat.uow(), anna_id(shop), Channel.TELEGRAM) == "5551"


def test_a_typed_channel_event_changes_nothing(shop: Engine) -> None:
    chat = telegram(shop)
    start(chat, code_for_anna(shop))
    as_the_channel_sees_it(chat)

    chat.send("/channel_unreachable", "channel_unreachable")

    assert reachable_chat(chat.uow(), anna_id(shop), Channel.TELEGRAM) == "5551"
