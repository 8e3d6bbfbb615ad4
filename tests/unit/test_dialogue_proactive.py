"""Messages the shop sends first: shown from the stored context, answered every way customers answer."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crm.models import Customer, Order, Product
from crm.services.conversations import proactive_context, remember_proactive
from crm.services.preferences import marketing_consent, set_marketing_consent
from crm.uow import UnitOfWork
from dialogue.flows import proactive
from dialogue.state import DialogueState
from tests.support.dialogue import Chat
from tests.support.shops import NOW, orders_shop

MESSAGE = (
    "Your capsules may run out around Fri 6 Nov (you buy them every 25 days). Shall I reorder 2 x "
    "Espresso capsules, 50?"
)


@pytest.fixture
def anna(store: Engine) -> Chat:
    orders_shop(store)
    with Session(store) as session:
        customer_id = session.scalars(select(Customer.id).where(Customer.external_ref == "C90001")).one()
        capsules = session.scalars(select(Product.id).where(Product.sku == "CAP-50")).one()
    context = {
        "key": "replenishment:C90001:2026-11-03",
        "kind": "replenishment",
        "customer_id": customer_id,
        "product_id": capsules,
        "quantity": 2,
        "message": MESSAGE,
    }
    remember_proactive(UnitOfWork.for_engine(store), "rest:test", customer_id, context, NOW)
    set_marketing_consent(UnitOfWork.for_engine(store), customer_id, True, NOW)
    return Chat(store, NOW, customer_ref="C90001")


def deliver(chat: Chat, key: str = "replenishment:C90001:2026-11-03") -> str:
    return chat.send(
        "EXTERNAL: EXTERNAL_replenishment", "EXTERNAL_replenishment", entities={"key": key}, external=True
    )


def orders(store: Engine) -> int:
    with Session(store) as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


def test_the_message_says_why_and_offers_every_answer(anna: Chat) -> None:
    shown = deliver(anna)

    assert shown == MESSAGE
    titles = [b["title"] for b in anna.last_buttons[0]]
    assert titles == [
        "Yes, please",
        "Not now",
        "Remind me next week",
        "Less often",
        "Another channel",
        "Stop these messages",
    ]


def test_yes_places_the_reorder_the_message_quoted(anna: Chat) -> None:
    deliver(anna)
    before = orders(anna.store)

    reply = anna.send("yes pls", "affirm")

    assert "placed order" in reply and "2 x Espresso capsules, 50" in reply
    assert orders(anna.store) == before + 1
    assert proactive_context(anna.uow(), "rest:test", NOW) is None  # answered


@pytest.mark.parametrize(("text", "intent"), [("not now", "not_now"), ("nah", "deny")])
def test_declining_changes_nothing(anna: Chat, text: str, intent: str) -> None:
    deliver(anna)
    before = orders(anna.store)

    reply = anna.send(text, intent)

    assert "No problem" in reply and orders(anna.store) == before


def test_stop_opts_out_at_once_and_offers_an_undo(anna: Chat) -> None:
    deliver(anna)
    customer = anna.customer()
    assert customer is not None

    reply = anna.send("stop", "stop_messages")

    assert "no more news or offers" in reply
    assert [b["payload"] for b in anna.last_buttons[0]] == ["/undo"]
    assert not any(marketing_consent(anna.uow(), customer.id).values())
    anna.send("undo", "undo")
    anna.send("yes", "affirm")
    assert all(marketing_consent(anna.uow(), customer.id).values())


def test_remind_me_later_snoozes_the_message(anna: Chat) -> None:
    deliver(anna)

    reply = anna.send("remind me next week", "remind_later")

    assert "remind you around" in reply
    assert proactive_context(anna.uow(), "rest:test", NOW) is None


def test_less_often_and_another_channel_go_to_the_settings_with_a_confirmation(anna: Chat) -> None:
    deliver(anna)

    reply = anna.send("less often please", "message_less_often")

    assert "at most" in reply and "Shall I" in reply


def test_a_key_that_is_not_stored_for_this_conversation_shows_nothing(anna: Chat) -> None:
    assert deliver(anna, key="replenishment:C90002:2026-11-03") == ""


def test_the_message_can_be_answered_in_a_new_session(anna: Chat) -> None:
    deliver(anna)
    context = proactive_context(anna.uow(), "rest:test", NOW)
    assert context is not None
    fresh = DialogueState()
    proactive.restore(fresh, context)
    anna.state = fresh  # what action_session_start sets up after an hour of silence
    before = orders(anna.store)

    reply = anna.send("yes", "affirm")

    assert "placed order" in reply and orders(anna.store) == before + 1
