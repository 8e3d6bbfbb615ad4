"""action_request_human: a waiting case, the wait, and a pause as the last event."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ConversationPaused, SlotSet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from actions import support
from actions.handoff import ActionRequestHuman
from crm.models import CaseStatus, Channel, SupportCase
from tests.trackers import user_turn
from tests.unit.test_care_actions_fixtures import at, open_shop, replies, run, unreachable_store

shop_fixture = pytest.fixture(name="shop")(open_shop)
store_down_fixture = pytest.fixture(name="store_down")(unreachable_store)


def test_customer_gets_a_case_and_the_conversation_pauses(shop: Engine) -> None:
    events, messages = run(
        ActionRequestHuman(), user_turn("web-anna", "I want a human", "contact_human_agent")
    )

    assert events == [SlotSet("care_followup", None), ConversationPaused()]
    assert [(m["response"], m["case_number"], m["minutes"]) for m in messages] == [
        ("utter_handoff_open", "CS-100001", 10)
    ]
    with Session(shop) as session:
        case = session.scalars(select(SupportCase)).one()
    assert (case.status, case.conversation_id, case.channel, case.description) == (
        CaseStatus.WAITING_AGENT,
        "web-anna",
        Channel.WEB,
        "I want a human",
    )


def test_after_hours_the_customer_hears_when_the_team_is_back(
    shop: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(support, "utc_now", lambda: at(21, 30))  # Wednesday evening, UTC

    events, messages = run(ActionRequestHuman(), user_turn("web-anna", "agent", "contact_human_agent"))

    assert events[-1] == ConversationPaused()
    # Anna lives in Berlin: Thursday 08:00 in London is 09:00 for her.
    assert [(m["response"], m["opening"]) for m in messages] == [
        ("utter_handoff_closed", "Thu 5 Nov, 09:00 your time")
    ]


def test_visitor_is_handed_over_with_a_case_without_customer(shop: Engine) -> None:
    events, messages = run(ActionRequestHuman(), user_turn("visitor-1", "agent", "contact_customer_service"))
    again = run(ActionRequestHuman(), user_turn("visitor-1", "a person please", "contact_human_agent"))

    assert events == again[0] == [SlotSet("care_followup", None), ConversationPaused()]
    assert replies(messages) == ["utter_handoff_visitor_open"]
    with Session(shop) as session:
        [case] = session.scalars(select(SupportCase)).all()  # the second request joins the first
    assert (case.customer_id, case.conversation_id, case.status) == (
        None,
        "visitor-1",
        CaseStatus.WAITING_AGENT,
    )


def test_store_down_does_not_pause_into_silence(store_down: None) -> None:
    events, messages = run(ActionRequestHuman(), user_turn("web-anna", "agent", "contact_human_agent"))

    assert (events, replies(messages)) == ([], ["utter_store_unavailable"])
