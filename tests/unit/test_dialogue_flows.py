"""The dialogue in-process, on the order test shop: context, confirmation, leaving, undo, the queue.

The intent of each message is stated (as the NLU service would give it), so these tests pin the
conversation logic; the scenarios in tests/scenarios/ test the same through the real servers.
NOW is Tuesday 3 Nov 2026, 10:00 UTC. Anna (C90001): 2000001 delivered in September (capsules x2
and descaler), 2000002 shipped (capsules x3), 2000004 placed and unpaid. Ben (C90002): 2000003
paid. Dana (C90004): 2000010 returned.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import Base, CaseKind, CaseStatus, Order, OrderStatus, OrderStatusEvent, Review, SupportCase
from crm.services.preferences import marketing_consent, set_marketing_consent
from crm.uow import UnitOfWork
from tests.support.dialogue import Chat
from tests.support.shops import NOW, orders_shop

ChatFor = Callable[..., Chat]


@pytest.fixture
def shop(store: Engine) -> Engine:
    orders_shop(store)
    return store


@pytest.fixture
def chat(shop: Engine) -> ChatFor:
    def make(customer: str | None = "C90001", conversation: str = "rest:test") -> Chat:
        return Chat(shop, NOW, customer_ref=customer, conversation_id=conversation)

    return make


def status(store: Engine, number: str) -> OrderStatus:
    with Session(store) as session:
        return session.scalars(select(Order.status).where(Order.number == number)).one()


def cases(store: Engine) -> list[SupportCase]:
    with Session(store) as session:
        return list(session.scalars(select(SupportCase).order_by(SupportCase.id)))


# --- changes only when confirmed ---------------------------------------------------------------


def test_cancelling_names_the_one_order_that_can_be_cancelled_and_waits_for_yes(
    chat: ChatFor, shop: Engine
) -> None:
    anna = chat()

    question = anna.send("cancel my order", "cancel_order")
    assert "Cancel order 2000004" in question and status(shop, "2000004") is OrderStatus.PLACED
    done = anna.send("yes", "affirm")

    assert "order 2000004 is cancelled" in done
    assert status(shop, "2000004") is OrderStatus.CANCELLED


def test_ok_but_another_question_is_not_a_yes(chat: ChatFor, shop: Engine) -> None:
    anna = chat()
    anna.send("cancel my order", "cancel_order")

    reply = anna.send("ok but where is my parcel?", "track_order")

    assert "2000002" in reply and "back to where we were" in reply
    assert status(shop, "2000004") is OrderStatus.PLACED


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("forget it", "never_mind"),
        ("never mind", "never_mind"),
        ("cancel that", "never_mind"),
        ("stop", "stop_messages"),
    ],
)
def test_any_question_can_be_left_and_nothing_changes(
    chat: ChatFor, shop: Engine, text: str, intent: str
) -> None:
    anna = chat()
    anna.send("cancel my order", "cancel_order")
    set_marketing_consent(UnitOfWork.for_engine(shop), anna.customer().id, True, NOW)  # type: ignore[union-attr]

    reply = anna.send(text, intent)
    after = anna.send("yes", "affirm")

    assert "Nothing was changed" in reply
    assert "What can I do for you" in after  # the question is gone
    assert status(shop, "2000004") is OrderStatus.PLACED
    assert any(marketing_consent(UnitOfWork.for_engine(shop), anna.customer().id).values())  # type: ignore[union-attr]


def test_a_correction_replaces_the_order_and_is_checked_again(chat: ChatFor, shop: Engine) -> None:
    anna = chat()
    anna.send("cancel order 2000004", "cancel_order", entities={"order_number": "2000004"})

    reply = anna.send("no, I meant 2000002", "deny", entities={"order_number": "2000002"})

    assert "2000002 has already shipped" in reply
    assert status(shop, "2000002") is OrderStatus.SHIPPED and status(shop, "2000004") is OrderStatus.PLACED


def test_a_change_request_records_exactly_what_should_change(chat: ChatFor, shop: Engine) -> None:
    ben = chat("C90002")
    ask = ben.send("change order 2000003", "change_order", entities={"order_number": "2000003"})
    confirm = ben.send("make it 3 packs instead of 1", "change_order")
    done = ben.send("yes", "affirm")

    assert "what should change" in ask
    assert '"make it 3 packs instead of 1"' in confirm
    assert "confirm the change by email" in done
    with Session(shop) as session:
        notes = session.scalars(
            select(OrderStatusEvent.note).join(Order).where(Order.number == "2000003")
        ).all()
    assert notes[-1] == "Change requested in chat: make it 3 packs instead of 1"


def test_undo_reverses_a_cancellation_after_confirming(chat: ChatFor, shop: Engine) -> None:
    anna = chat()
    anna.send("cancel my order", "cancel_order")
    anna.send("yes", "affirm")

    question = anna.send("that's not what I meant", "undo")
    done = anna.send("yes", "affirm")

    assert "undo the cancellation of order 2000004" in question
    assert "undone" in done and status(shop, "2000004") is OrderStatus.PLACED


# --- the right object ------------------------------------------------------------------------------


def test_a_complaint_is_filed_on_the_order_line_named(chat: ChatFor, shop: Engine) -> None:
    anna = chat()
    question = anna.send("the descaler was leaking all over the box", "complaint")
    anna.send("yes", "affirm")

    [case] = cases(shop)
    assert "Descaler, 2 doses in order 2000001" in question
    with Session(shop) as session:
        order = session.get(Order, case.order_id)
        assert order is not None and order.number == "2000001"
    assert (case.kind, case.topic) == (CaseKind.COMPLAINT, "damaged item")


def test_it_refers_to_the_order_just_talked_about(chat: ChatFor) -> None:
    anna = chat()
    anna.send("what about order 2000001", "track_order", entities={"order_number": "2000001"})

    reply = anna.send("when will it arrive?", "delivery_period")

    assert "2000001" in reply and "was delivered" in reply


def test_a_review_is_saved_against_the_product_it_names(chat: ChatFor, shop: Engine) -> None:
    anna = chat()
    anna.send("4 stars for the descaler, works well", "review", entities={"rating": "4"})
    anna.send("yes", "affirm")

    with Session(shop) as session:
        review = session.scalars(select(Review)).one()
        order = session.get(Order, review.order_id)
    assert review.rating == 4 and order is not None and order.number == "2000001"


# --- several requests, identification ----------------------------------------------------------


def test_two_requests_in_one_message_both_get_answers(chat: ChatFor) -> None:
    anna = chat()

    reply = anna.send(
        "where is order 2000002 and i need the invoice",
        "track_order",
        requests=["get_invoice"],
        entities={"order_number": "2000002"},
    )

    assert "on its way" in reply and "INV-2000002" in reply


def test_a_visitor_identifies_and_gets_the_original_answer_for_that_order_only(chat: ChatFor) -> None:
    visitor = chat(None)

    ask = visitor.send("where is my order", "track_order")
    answer = visitor.send("2000002, c90001@example.com", "identify", entities={"order_number": "2000002"})
    other = visitor.send("and order 2000001?", "track_order", entities={"order_number": "2000001"})
    account = visitor.send("stop sending me messages", "stop_messages")

    assert "email address you ordered with" in ask
    assert "found order 2000002" in answer and "on its way" in answer
    assert "only look at order 2000002" in other
    assert "log in" in account


def test_a_wrong_pair_never_says_which_half_was_wrong(chat: ChatFor) -> None:
    visitor = chat(None)
    visitor.send("where is my order", "track_order")

    reply = visitor.send("2000002 ben@example.com", "identify", entities={"order_number": "2000002"})

    assert "don't match" in reply and "email" in reply and "2000002" not in reply.split("match")[0]


def test_a_visitor_without_the_order_number_gets_a_way_out(chat: ChatFor) -> None:
    visitor = chat(None)
    visitor.send("where is my order", "track_order")

    reply = visitor.send("i dont have the order number", "nlu_fallback")

    assert "confirmation email" in reply and "log in" in reply and "person" in reply


def test_a_new_login_starts_a_fresh_conversation_state(chat: ChatFor, shop: Engine) -> None:
    anna = chat()
    anna.send("cancel my order", "cancel_order")
    ben = Chat(shop, NOW, customer_ref="C90002", state=anna.state)

    reply = ben.send("yes", "affirm")

    assert "What can I do for you" in reply and status(shop, "2000004") is OrderStatus.PLACED


# --- a queue, not silence ----------------------------------------------------------------------


def test_asking_twice_for_a_person_keeps_one_case_and_the_bot_keeps_answering(
    chat: ChatFor, shop: Engine
) -> None:
    anna = chat()

    first = anna.send("human please", "contact_human_agent")
    again = anna.send("a real person!!", "contact_human_agent")
    meanwhile = anna.send("where is order 2000002", "track_order", entities={"order_number": "2000002"})

    [case] = cases(shop)
    assert case.number in first and "number 1 in the queue" in first
    assert "already in the queue" in again
    assert "on its way" in meanwhile and "still in the queue" in meanwhile
    assert case.status is CaseStatus.WAITING_AGENT


def test_a_waiting_request_can_take_details_and_be_withdrawn(chat: ChatFor, shop: Engine) -> None:
    anna = chat()
    anna.send("agent please", "contact_human_agent")

    added = anna.send("the grinder rattles since tuesday", "nlu_fallback")
    withdrawn = anna.send("i dont need a person anymore", "never_mind")

    [case] = cases(shop)
    assert "added that to your request" in added and "grinder rattles" in case.description
    assert "withdrawn" in withdrawn and case.status is CaseStatus.WITHDRAWN


def test_after_two_misunderstandings_a_person_is_offered_once(chat: ChatFor) -> None:
    anna = chat()

    first = anna.send("whats the capital of peru", "out_of_scope")
    second = anna.send("and of chile", "out_of_scope")
    anna.send("no thanks", "deny")
    third = anna.send("and of bolivia", "out_of_scope")
    fourth = anna.send("hmm", "nlu_fallback", ranking=[])

    assert "person" not in first and "person" in second
    assert "person" not in third
    assert "Could you say it another way" in fourth  # no empty button list when nothing can be guessed


# --- calm ------------------------------------------------------------------------------------------


def test_a_late_order_is_said_to_be_late_without_a_past_expected_date(chat: ChatFor) -> None:
    dana = Chat(chat().store, NOW.replace(month=12), customer_ref="C90001")

    reply = dana.send("where is order 2000002", "track_order", entities={"order_number": "2000002"})

    assert "late" in reply and "sorry" in reply.lower() and "Expected delivery" not in reply


@pytest.mark.parametrize(("text", "intent"), [("ok", "affirm"), ("yes", "affirm"), ("?", "nlu_fallback")])
def test_short_answers_with_nothing_pending_get_a_helpful_reply(
    chat: ChatFor, text: str, intent: str
) -> None:
    reply = chat().send(text, intent)

    assert "help" in reply.lower() or "What can I do" in reply
    assert "didn't get that" not in reply


def test_a_store_that_fails_gets_the_polite_reply_and_keeps_the_state(chat: ChatFor, shop: Engine) -> None:
    anna = chat()
    anna.send("cancel my order", "cancel_order")
    anna.verified = anna.customer()
    before = anna.state
    Base.metadata.drop_all(shop)  # the store loses its tables mid-conversation

    reply = anna.send("where is order 2000002", "track_order", entities={"order_number": "2000002"})

    assert "can't reach our order system" in reply
    assert anna.state == before
