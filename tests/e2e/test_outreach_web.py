"""Messages the shop sends first, on the website: live to an open widget, once on the next visit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.models import Channel, Customer, Order, OrderStatus
from crm.uow import UnitOfWork
from outreach.rasa_api import RasaApi
from outreach.send import Delivery, Outreach
from tests.support.live import LiveSystem
from tests.support.widget import Widget, texts

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


def customers_with_delivered_orders(store: Engine) -> list[tuple[str, str]]:
    with Session(store) as session:
        rows = session.execute(
            select(Customer.external_ref, Order.number)
            .join(Order, Order.customer_id == Customer.id)
            .where(Order.status == OrderStatus.DELIVERED, Customer.external_ref > "C00100")
            .order_by(Customer.id)
        ).all()
    seen: dict[str, str] = {}
    for ref, number in rows:
        seen.setdefault(ref, number)
    return list(seen.items())


def late_delivery(order: str) -> dict[str, Any]:
    return {
        "order": order,
        "message": f"Sorry: order {order} is running late. Shall we chase the carrier for you?",
    }


def test_an_open_widget_shows_the_message_live(system: LiveSystem, store: Engine, outreach: Outreach) -> None:
    ref, order = customers_with_delivered_orders(store)[0]
    widget = Widget(system, token=system.chat_token(ref))

    result = outreach.send(ref, Channel.WEB, "EXTERNAL_delivery_late", late_delivery(order), f"late:{ref}:1")
    shown = widget.replies(timeout=30)

    assert result.status is Delivery.DELIVERED and result.conversation_id == f"web:{ref}"
    assert f"order {order} is running late" in texts(shown)
    assert any(m.get("quick_replies") for m in shown)  # the answers are buttons


def test_a_customer_who_was_offline_sees_it_once_on_the_next_visit(
    system: LiveSystem, store: Engine, outreach: Outreach
) -> None:
    ref, order = customers_with_delivered_orders(store)[1]

    result = outreach.send(ref, Channel.WEB, "EXTERNAL_delivery_late", late_delivery(order), f"late:{ref}:1")
    visit = Widget(system, token=system.chat_token(ref))
    later = Widget(system, token=system.chat_token(ref))

    assert result.delivered
    assert sum(f"order {order} is running late" in m["text"] for m in visit.history) == 1
    assert visit.history == later.history  # shown from the transcript: nothing queued twice


def test_the_customer_can_answer_it_with_a_button(
    system: LiveSystem, store: Engine, outreach: Outreach
) -> None:
    ref, order = customers_with_delivered_orders(store)[2]
    outreach.send(ref, Channel.WEB, "EXTERNAL_delivery_late", late_delivery(order), f"late:{ref}:1")
    widget = Widget(system, token=system.chat_token(ref))
    yes = next(m for m in widget.history if m.get("quick_replies"))["quick_replies"][0]

    reply = texts(widget.say(yes["payload"]))

    assert "case" in reply and "chasing the carrier" in reply


def test_nothing_goes_into_a_conversation_a_person_has_taken(
    system: LiveSystem, store: Engine, outreach: Outreach
) -> None:
    ref, order = customers_with_delivered_orders(store)[3]
    Widget(system, token=system.chat_token(ref)).say("hello")
    system.api(
        "POST", f"/conversations/web:{ref}/tracker/events", json=[{"event": "pause"}]
    ).raise_for_status()
    before = len(system.tracker(f"web:{ref}")["events"])

    result = outreach.send(ref, Channel.WEB, "EXTERNAL_delivery_late", late_delivery(order), f"late:{ref}:1")

    assert result.status is Delivery.PAUSED
    assert len(system.tracker(f"web:{ref}")["events"]) == before


def test_a_customer_without_a_linked_telegram_chat_gets_nothing_there(
    system: LiveSystem, store: Engine, outreach: Outreach
) -> None:
    with Session(store) as session:
        linked = {
            row
            for row in session.scalars(
                select(Customer.external_ref).where(Customer.identities.any(channel=Channel.TELEGRAM))
            )
        }
    ref = next(r for r, _ in customers_with_delivered_orders(store) if r not in linked)

    result = outreach.send(ref, Channel.TELEGRAM, "EXTERNAL_offer", {"message": "Hi"}, f"offer:{ref}")

    assert result.status is Delivery.NO_CHANNEL


def test_an_unknown_customer_is_reported(outreach: Outreach) -> None:
    assert outreach.send("C99999", Channel.WEB, "EXTERNAL_offer", {"message": "Hi"}, "k").status is (
        Delivery.UNKNOWN_CUSTOMER
    )
