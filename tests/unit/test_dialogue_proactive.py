"""Messages the shop sends first: shown from the stored context, answered every way customers answer."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crm.models import (
    CaseKind,
    Channel,
    Customer,
    HandoffReason,
    Order,
    OutboxState,
    ProactiveAnswer,
    Product,
    SupportCase,
)
from crm.services.conversations import proactive_context, remember_proactive
from crm.services.preferences import marketing_consent, preferences, set_marketing_consent
from crm.uow import UnitOfWork
from dialogue.flows import proactive
from dialogue.state import DialogueState
from tests.support.dialogue import Chat
from tests.support.proactive_messages import add_sent_message, outbox_row
from tests.support.shops import NOW, orders_shop

KEY = "replenishment:C90001:2026-11-03"

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
    add_sent_message(store, KEY, customer_id, context, NOW, conversation_id="rest:test")
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


def answer_of(chat: Chat, key: str = KEY) -> ProactiveAnswer | None:
    row = outbox_row(chat.store, key)
    assert row is not None
    return row.answer


def test_yes_quotes_the_exact_order_and_places_it_only_once_confirmed(anna: Chat) -> None:
    deliver(anna)
    before = orders(anna.store)

    asked = anna.send("yes pls", "affirm")

    assert "Shall I order 2 x Espresso capsules, 50 for 35.00 EUR" in asked
    assert orders(anna.store) == before and answer_of(anna) is None
    assert proactive_context(anna.uow(), "rest:test", NOW) is None  # the message is answered

    placed = anna.send("yes", "affirm")

    assert "placed order" in placed and "2 x Espresso capsules, 50" in placed
    assert orders(anna.store) == before + 1
    assert answer_of(anna) is ProactiveAnswer.ACCEPTED


def test_the_quantity_can_change_before_the_order_is_confirmed(anna: Chat) -> None:
    deliver(anna)
    anna.send("yes", "affirm")

    asked = anna.send("make it 3 packs", "reorder_usual")
    placed = anna.send("ok", "affirm")

    assert "Shall I order 3 x Espresso capsules, 50 for 52.50 EUR" in asked
    assert "3 x Espresso capsules, 50" in placed and answer_of(anna) is ProactiveAnswer.ACCEPTED


def test_a_no_at_the_confirmation_orders_nothing_and_counts_as_declined(anna: Chat) -> None:
    deliver(anna)
    before = orders(anna.store)
    anna.send("yes", "affirm")

    reply = anna.send("no actually", "deny")

    assert "haven't ordered anything" in reply and orders(anna.store) == before
    assert answer_of(anna) is ProactiveAnswer.DECLINED


@pytest.mark.parametrize(("text", "intent"), [("not now", "not_now"), ("nah", "deny")])
def test_declining_changes_nothing_and_is_recorded(anna: Chat, text: str, intent: str) -> None:
    deliver(anna)
    before = orders(anna.store)

    reply = anna.send(text, intent)

    assert "No problem" in reply and orders(anna.store) == before
    assert answer_of(anna) is ProactiveAnswer.DECLINED


def test_stop_opts_out_at_once_and_offers_an_undo(anna: Chat) -> None:
    deliver(anna)
    customer = anna.customer()
    assert customer is not None

    reply = anna.send("stop", "stop_messages")

    assert "no more news or offers" in reply
    assert [b["payload"] for b in anna.last_buttons[0]] == ["/undo"]
    assert not any(marketing_consent(anna.uow(), customer.id).values())
    assert answer_of(anna) is ProactiveAnswer.OPTED_OUT
    anna.send("undo", "undo")
    anna.send("yes", "affirm")
    assert all(marketing_consent(anna.uow(), customer.id).values())


def test_a_slash_stop_answers_the_message_too(anna: Chat) -> None:
    deliver(anna)

    anna.send("/stop", "stop_messages")

    assert answer_of(anna) is ProactiveAnswer.OPTED_OUT
    assert proactive_context(anna.uow(), "rest:test", NOW) is None


@pytest.mark.parametrize(
    ("text", "day", "local_hour"),
    [
        ("remind me next week", "Tue 10 Nov", 10),
        ("remind me later", "Tue 10 Nov", 10),
        ("can you remind me in 3 days", "Fri 6 Nov", 10),
        ("tomorrow pls", "Wed 4 Nov", 10),
        ("remind me on monday", "Mon 9 Nov", 10),
        ("not now, maybe next month", "Thu 3 Dec", 10),
    ],
)
def test_remind_me_later_plans_the_message_again_for_the_time_named(
    anna: Chat, text: str, day: str, local_hour: int
) -> None:
    deliver(anna)

    reply = anna.send(text, "remind_later")

    assert f"remind you on {day}" in reply
    assert proactive_context(anna.uow(), "rest:test", NOW) is None
    assert answer_of(anna) is ProactiveAnswer.SNOOZED
    again = outbox_row(anna.store, f"{KEY}:snooze:1")
    assert again is not None and again.state is OutboxState.PENDING
    customer = anna.customer()
    assert customer is not None
    local = again.not_before.astimezone(ZoneInfo(customer.time_zone))
    assert local.strftime("%a %-d %b") == day and local.hour == local_hour
    assert again.context["message"] == MESSAGE and again.context["snoozed_from"] == KEY


def test_less_often_is_recorded_and_goes_to_the_settings_with_a_confirmation(anna: Chat) -> None:
    deliver(anna)
    customer = anna.customer()
    assert customer is not None
    before = preferences(anna.uow(), customer.id).max_proactive_per_week

    reply = anna.send("less often please", "message_less_often")
    anna.send("yes", "affirm")

    assert "at most" in reply and "Shall I" in reply
    assert answer_of(anna) is ProactiveAnswer.LESS_OFTEN
    assert preferences(anna.uow(), customer.id).max_proactive_per_week == max(1, before // 2)


def test_another_channel_is_recorded_and_changes_the_channel_once_confirmed(anna: Chat) -> None:
    deliver(anna)
    customer = anna.customer()
    assert customer is not None

    asked = anna.send("email me instead", "set_preferred_channel", entities={"channel": "email"})
    anna.send("yes", "affirm")

    assert "by email from now on" in asked
    assert answer_of(anna) is ProactiveAnswer.OTHER_CHANNEL
    assert preferences(anna.uow(), customer.id).preferred_channel.value == "email"


def test_a_person_after_our_message_gets_the_message_in_the_case(anna: Chat) -> None:
    deliver(anna)

    reply = anna.send("can i talk to a real person about this", "contact_human_agent")

    assert "asked a colleague" in reply
    with Session(anna.store) as session:
        case = session.scalars(select(SupportCase).where(SupportCase.kind == CaseKind.HANDOFF)).one()
    assert case.reason is HandoffReason.PROACTIVE
    assert KEY in case.description and MESSAGE in case.description


def test_an_answer_to_a_message_without_an_outbox_row_still_works(anna: Chat, store: Engine) -> None:
    context = proactive_context(anna.uow(), "rest:test", NOW)
    assert context is not None
    other = {**context, "key": "test-send:1"}
    remember_proactive(UnitOfWork.for_engine(store), "rest:test", context["customer_id"], other, NOW)
    deliver(anna, key="test-send:1")

    reply = anna.send("not now", "not_now")

    assert "No problem" in reply and outbox_row(store, "test-send:1") is None


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

    anna.send("yes", "affirm")
    reply = anna.send("yes", "affirm")

    assert "placed order" in reply and orders(anna.store) == before + 1
    assert answer_of(anna) is ProactiveAnswer.ACCEPTED


def test_a_first_unclear_answer_right_after_the_session_start_asks_again(anna: Chat) -> None:
    context = proactive_context(anna.uow(), "rest:test", NOW)
    assert context is not None
    proactive.restore(anna.state, context)  # action_session_start, just before the message is shown
    deliver(anna)

    reply = anna.send("blorp", "nlu_fallback")

    assert "not sure what you mean" in reply and "Shall I reorder" in reply
    assert anna.state.pending is not None and anna.state.pending.flow == proactive.FLOW


def test_ok_remind_me_next_week_at_the_quote_orders_nothing_and_plans_the_message_again(anna: Chat) -> None:
    deliver(anna)
    before = orders(anna.store)
    anna.send("yes", "affirm")

    reply = anna.send("ok remind me next week", "affirm")

    assert "remind you on" in reply and orders(anna.store) == before
    assert answer_of(anna) is ProactiveAnswer.SNOOZED


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("who is this?", "out_of_scope"),
        ("is this spam", "bot_challenge"),
        ("why r u texting me", "nlu_fallback"),
    ],
)
def test_who_is_this_says_who_writes_and_why_and_asks_again(anna: Chat, text: str, intent: str) -> None:
    deliver(anna)

    reply = anna.send(text, intent)

    assert "shop's assistant" in reply and '"stop"' in reply and reply.endswith(MESSAGE)
    assert answer_of(anna) is None and marketing_consent(anna.uow(), anna_id(anna))[Channel.WEB]


def test_which_one_names_the_product_from_the_store(anna: Chat) -> None:
    deliver(anna)

    reply = anna.send("which one was that again?", "nlu_fallback")

    assert reply.startswith("It's the Espresso capsules, 50: you last ordered") and answer_of(anna) is None


def test_the_price_is_today_s_price_for_the_quantity_offered(anna: Chat) -> None:
    deliver(anna)

    reply = anna.send("how much?", "nlu_fallback")

    assert "17.50 EUR each today, so 2 would be 35.00 EUR" in reply and answer_of(anna) is None


@pytest.mark.parametrize("text", ["i already bought it elsewhere", "nah still got plenty left"])
def test_no_need_is_a_no_said_kindly(anna: Chat, text: str) -> None:
    deliver(anna)
    before = orders(anna.store)

    reply = anna.send(text, "nlu_fallback")

    assert "haven't ordered anything" in reply and orders(anna.store) == before
    assert answer_of(anna) is ProactiveAnswer.DECLINED


@pytest.mark.parametrize("text", ["stop spamming me", "leave me alone", "stpo", "f off with these"])
def test_angry_or_misspelt_stops_opt_out_at_once(anna: Chat, text: str) -> None:
    deliver(anna)

    reply = anna.send(text, "nlu_fallback")

    assert "no more news or offers" in reply and "undo" in reply
    assert answer_of(anna) is ProactiveAnswer.OPTED_OUT
    assert not any(marketing_consent(anna.uow(), anna_id(anna)).values())


def test_after_a_digression_only_the_question_is_asked_again_naming_what_it_is_about() -> None:
    about = proactive._offer_data({"message": MESSAGE, "product": "Espresso capsules, 50"})
    unnamed = proactive._offer_data({"message": MESSAGE})
    no_question = proactive._offer_data({"message": "Your order is late.", "order": "1015024"})

    assert about["again"] == (
        "Now, back to where we were, our message about Espresso capsules, 50: "
        "shall I reorder 2 x Espresso capsules, 50?"
    )
    assert "again" not in unnamed and "again" not in no_question


def anna_id(chat: Chat) -> int:
    with Session(chat.store) as session:
        return session.scalars(select(Customer.id).where(Customer.external_ref == "C90001")).one()
