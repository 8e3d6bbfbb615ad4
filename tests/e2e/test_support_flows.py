"""Issue flows through the real servers: cancel (allowed and refused), complaint, human handoff, bad input."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.models import CaseKind, CaseStatus, Customer, Order, OrderStatus, SupportCase
from tests.e2e.conftest import RunningSystem

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def store(system: RunningSystem) -> Engine:
    return make_engine(system.settings.database_url)


def customer_with_order_in(store: Engine, statuses: set[OrderStatus], skip: int = 0) -> tuple[str, str]:
    """(sender, order number) of a demo customer whose order is in one of `statuses`."""
    with Session(store) as session:
        ref, number = session.execute(
            select(Customer.external_ref, Order.number)
            .join(Order, Order.customer_id == Customer.id)
            .where(Order.status.in_(statuses))
            .order_by(Customer.id, Order.id)
            .offset(skip)
            .limit(1)
        ).one()
    return f"web-{ref}", number


def order_status(store: Engine, number: str) -> OrderStatus:
    with Session(store) as session:
        return session.scalars(select(Order.status).where(Order.number == number)).one()


def cases_of(store: Engine, sender: str, kind: CaseKind) -> list[SupportCase]:
    ref = sender.removeprefix("web-")
    with Session(store) as session:
        return list(
            session.scalars(
                select(SupportCase)
                .join(Customer)
                .where(Customer.external_ref == ref, SupportCase.kind == kind)
            )
        )


def test_cancelling_an_order_that_has_not_shipped(system: RunningSystem, store: Engine) -> None:
    sender, number = customer_with_order_in(store, {OrderStatus.PLACED, OrderStatus.PAID})

    question = " ".join(system.say(sender, f"please cancel order {number}"))
    confirmation = " ".join(system.say(sender, "yes"))

    assert number in question, question
    assert number in confirmation, confirmation
    assert order_status(store, number) is OrderStatus.CANCELLED, (question, confirmation)


def test_cancelling_a_delivered_order_is_refused_with_the_reason(
    system: RunningSystem, store: Engine
) -> None:
    sender, number = customer_with_order_in(store, {OrderStatus.DELIVERED}, skip=3)

    reply = " ".join(system.say(sender, f"cancel order {number}")).lower()

    assert number in reply
    assert "delivered" in reply
    assert order_status(store, number) is OrderStatus.DELIVERED


def test_a_complaint_opens_a_case_and_answers_with_its_number(system: RunningSystem, store: Engine) -> None:
    sender, _ = customer_with_order_in(store, {OrderStatus.DELIVERED}, skip=7)
    before = {case.number for case in cases_of(store, sender, CaseKind.COMPLAINT)}

    reply = " ".join(system.say(sender, "my parcel arrived damaged"))

    new = [case for case in cases_of(store, sender, CaseKind.COMPLAINT) if case.number not in before]
    assert len(new) == 1
    assert new[0].number in reply
    assert new[0].status is CaseStatus.OPEN


def test_asking_for_a_human_pauses_the_conversation_and_queues_it(
    system: RunningSystem, store: Engine
) -> None:
    sender, _ = customer_with_order_in(store, {OrderStatus.DELIVERED}, skip=11)

    reply = " ".join(system.say(sender, "I want to talk to a human"))

    tracker = httpx.get(
        f"{system.settings.rasa_url}/conversations/{sender}/tracker",
        params={"token": system.token},
        timeout=30,
    ).json()
    assert tracker["paused"] is True
    [case] = [c for c in cases_of(store, sender, CaseKind.HANDOFF) if c.status is CaseStatus.WAITING_AGENT]
    assert case.conversation_id == sender
    assert case.number in reply
    # While paused the bot stays quiet: a person answers next.
    assert system.say(sender, "hello?") == []


def test_a_visitor_asking_for_a_human_is_queued_too(system: RunningSystem, store: Engine) -> None:
    sender = "visitor-e2e-handoff"

    system.say(sender, "can I talk to a real person please")

    with Session(store) as session:
        [case] = session.scalars(select(SupportCase).where(SupportCase.conversation_id == sender)).all()
    assert (case.customer_id, case.kind, case.status) == (None, CaseKind.HANDOFF, CaseStatus.WAITING_AGENT)


@pytest.mark.parametrize(
    "message",
    ["", "x" * 10_000, "\x00\x01\x02\ufffd", "😀😀😀", "where is order 1000000"],
    ids=["empty", "10k-chars", "binary", "emoji-only", "someone-elses-order"],
)
def test_bad_input_gets_a_polite_answer_and_the_conversation_goes_on(
    system: RunningSystem, message: str
) -> None:
    sender = "web-C00020"

    odd = system.say(sender, message)
    after = " ".join(system.say(sender, "where is my order?"))

    assert all("Traceback" not in reply for reply in odd)
    assert "your order" in after
