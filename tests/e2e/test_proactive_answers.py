"""A message the shop sends first, through Rasa's trigger_intent, answered hours later in a new session.

The context (why it was sent, what it offers) is stored before the push; the push itself carries
only its key. A new session (Rasa starts one after an hour of silence; `/session_start` forces one
here) restores the open question from the store, so "yes" still places the reorder.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.models import Customer, Order, Product
from crm.services.conversations import remember_proactive
from crm.uow import UnitOfWork
from tests.support.live import LiveSystem

pytestmark = pytest.mark.e2e
CONVERSATION = "rest:proactive-reorder"
CUSTOMER = "C00030"


@pytest.fixture(scope="module")
def store(system: LiveSystem) -> Engine:
    return make_engine(system.settings.database_url)


def orders_of(store: Engine, ref: str) -> int:
    with Session(store) as session:
        return (
            session.scalar(
                select(func.count()).select_from(Order).join(Customer).where(Customer.external_ref == ref)
            )
            or 0
        )


def test_a_refill_reminder_is_answered_yes_in_a_later_session(system: LiveSystem, store: Engine) -> None:
    with Session(store) as session:
        customer_id = session.scalars(select(Customer.id).where(Customer.external_ref == CUSTOMER)).one()
        capsules = session.scalars(select(Product.id).where(Product.sku == "CAP-50")).one()
    message = "Your capsules may run out around Tue 24 Nov. Shall I reorder 2 x Barista espresso capsules?"
    context = {
        "key": f"replenishment:{CUSTOMER}:2026-11-20",
        "kind": "replenishment",
        "customer_id": customer_id,
        "product_id": capsules,
        "quantity": 2,
        "message": message,
    }
    remember_proactive(
        UnitOfWork.for_engine(store), CONVERSATION, customer_id, context, system.settings.now()
    )
    before = orders_of(store, CUSTOMER)

    pushed = system.api(
        "POST",
        f"/conversations/{CONVERSATION}/trigger_intent",
        params={"output_channel": "collector"},
        json={"name": "EXTERNAL_replenishment", "entities": {"key": context["key"]}},
    )
    pushed.raise_for_status()
    shown = [m.get("text") for m in pushed.json().get("messages", [])]
    system.send("proactive-reorder", "/session_start", customer=CUSTOMER)  # hours later: a new session
    answer = system.send("proactive-reorder", "yes please", customer=CUSTOMER)

    assert message in shown
    assert "placed order" in answer.text
    assert orders_of(store, CUSTOMER) == before + 1


def test_a_typed_external_intent_shows_nothing_and_changes_nothing(system: LiveSystem, store: Engine) -> None:
    before = orders_of(store, CUSTOMER)

    reply = system.send(
        "typed-external",
        '/EXTERNAL_replenishment{"key": "replenishment:C00030:2026-11-20"}',
        customer=CUSTOMER,
    )
    after_yes = system.send("typed-external", "yes", customer=CUSTOMER)

    assert "Shall I reorder" not in reply.text and "placed order" not in after_yes.text
    assert orders_of(store, CUSTOMER) == before
