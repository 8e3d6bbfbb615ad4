"""Linking a Telegram chat through the deep link's one-time code, and chats that blocked the bot."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import Channel, ChannelIdentity, Customer, LinkCode, LinkState
from crm.services.channel_links import (
    LINK_CODE_TTL,
    LinkProblem,
    create_link_code,
    mark_reachable,
    mark_unreachable,
    reachable_chat,
    redeem_link_code,
)
from crm.services.customers import identify_customer
from crm.services.errors import UnknownCustomer
from crm.uow import UnitOfWork
from tests.factories import T0, small_shop

TG = Channel.TELEGRAM


@pytest.fixture(params=["sqlite", "postgresql"])
def shop(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")
    small_shop(engine)
    return engine


def customer_id(engine: Engine, ref: str) -> int:
    with Session(engine) as session:
        return session.scalars(select(Customer.id).where(Customer.external_ref == ref)).one()


def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork.for_engine(engine)


def test_a_code_fits_telegrams_start_parameter_and_only_its_hash_is_stored(shop: Engine) -> None:
    code = create_link_code(uow(shop), customer_id(shop, "C90001"), TG, T0)

    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", code)
    with Session(shop) as session:
        stored = session.scalars(select(LinkCode.code_hash)).one()
    assert code not in stored


def test_redeeming_links_the_chat_once(shop: Engine) -> None:
    code = create_link_code(uow(shop), customer_id(shop, "C90001"), TG, T0)

    first = redeem_link_code(uow(shop), TG, code, "5551", T0 + timedelta(minutes=1))
    again = redeem_link_code(uow(shop), TG, code, "6662", T0 + timedelta(minutes=2))

    assert first.customer is not None and first.customer.external_ref == "C90001"
    assert identify_customer(uow(shop), TG, "5551").external_ref == "C90001"
    assert again.customer is None and again.problem is LinkProblem.UNKNOWN
    with pytest.raises(UnknownCustomer):
        identify_customer(uow(shop), TG, "6662")


def test_an_expired_or_made_up_code_links_nothing(shop: Engine) -> None:
    code = create_link_code(uow(shop), customer_id(shop, "C90001"), TG, T0)

    late = redeem_link_code(uow(shop), TG, code, "5551", T0 + LINK_CODE_TTL)
    invented = redeem_link_code(uow(shop), TG, "x" * 32, "5551", T0)

    assert (late.problem, invented.problem) == (LinkProblem.EXPIRED, LinkProblem.UNKNOWN)
    with pytest.raises(UnknownCustomer):
        identify_customer(uow(shop), TG, "5551")


def test_a_new_code_replaces_the_unused_one(shop: Engine) -> None:
    anna = customer_id(shop, "C90001")
    old = create_link_code(uow(shop), anna, TG, T0)
    new = create_link_code(uow(shop), anna, TG, T0)

    assert redeem_link_code(uow(shop), TG, old, "5551", T0).problem is LinkProblem.UNKNOWN
    assert redeem_link_code(uow(shop), TG, new, "5551", T0).customer is not None


def test_a_customer_has_one_linked_chat_and_a_chat_one_customer(shop: Engine) -> None:
    anna, ben = customer_id(shop, "C90001"), customer_id(shop, "C90002")

    def link(customer: int, chat: str, days: int) -> None:
        at = T0 + timedelta(days=days)
        code = create_link_code(uow(shop), customer, TG, at)
        assert redeem_link_code(uow(shop), TG, code, chat, at).customer

    link(anna, "5551", 0)
    link(anna, "7773", 1)
    link(ben, "5551", 2)  # Ben links the chat Anna used first (a shared phone): it is his now

    assert reachable_chat(uow(shop), anna, TG) == "7773"
    assert identify_customer(uow(shop), TG, "5551").external_ref == "C90002"
    with Session(shop) as session:
        states = dict(
            session.execute(
                select(ChannelIdentity.external_id, ChannelIdentity.link_state).where(
                    ChannelIdentity.channel == TG
                )
            ).all()
        )
    assert states == {"5551": LinkState.LINKED, "7773": LinkState.LINKED}


def test_a_blocked_chat_gets_nothing_until_the_customer_writes_again(shop: Engine) -> None:
    anna = customer_id(shop, "C90001")
    redeem_link_code(uow(shop), TG, create_link_code(uow(shop), anna, TG, T0), "5551", T0)

    assert mark_unreachable(uow(shop), TG, "5551", T0) is True
    assert reachable_chat(uow(shop), anna, TG) is None
    assert mark_reachable(uow(shop), TG, "5551") is True
    assert reachable_chat(uow(shop), anna, TG) == "5551"


def test_an_unlinked_chat_cannot_be_marked(shop: Engine) -> None:
    assert mark_unreachable(uow(shop), TG, "99999", T0) is False
