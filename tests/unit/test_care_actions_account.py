"""Account answers: personal only with the customer's own masked email; deletion via a case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from actions.account import (
    ActionExplainAccount,
    ActionExplainAccountDeletion,
    ActionRequestAccountDeletion,
    ActionShowNewsletterConsent,
)
from crm.models import CaseKind, Channel, Consent, ConsentPurpose, ConsentSource, SupportCase
from tests.factories import T0
from tests.trackers import user_turn
from tests.unit.test_care_actions_fixtures import open_shop, replies, run, unreachable_store

shop_fixture = pytest.fixture(name="shop")(open_shop)
store_down_fixture = pytest.fixture(name="store_down")(unreachable_store)


def test_password_help_names_only_the_masked_account_email(shop: Engine) -> None:
    events, messages = run(
        ActionExplainAccount(), user_turn("web-anna", "forgot password", "recover_password")
    )

    assert events == []
    assert [(m["response"], m["masked_email"], m["first_name"]) for m in messages] == [
        ("utter_password_recover_known", "c…@example.com", "Anna")
    ]


def test_visitor_gets_the_general_steps(shop: Engine) -> None:
    _, messages = run(ActionExplainAccount(), user_turn("visitor-1", "sign up", "create_account"))

    assert replies(messages) == ["utter_account_create"]


def test_account_steps_survive_a_store_outage(store_down: None) -> None:
    _, messages = run(ActionExplainAccount(), user_turn("web-anna", "switch", "switch_account"))

    assert replies(messages) == ["utter_account_switch"]


def test_deletion_is_explained_then_confirmed(shop: Engine) -> None:
    events, messages = run(
        ActionExplainAccountDeletion(), user_turn("web-anna", "delete me", "delete_account")
    )

    assert events == [SlotSet("care_followup", "confirm_deletion")]
    assert replies(messages) == ["utter_account_delete_consequences"]


def test_visitor_deletion_asks_to_identify_and_offers_no_confirmation(shop: Engine) -> None:
    events, messages = run(ActionExplainAccountDeletion(), user_turn("visitor-1", "delete", "delete_account"))

    assert events == [SlotSet("care_followup", None)]
    assert replies(messages) == ["utter_account_delete_visitor", "utter_ask_identify"]


def test_confirmed_deletion_opens_a_case_for_a_person(shop: Engine) -> None:
    events, messages = run(ActionRequestAccountDeletion(), user_turn("web-anna", "yes", "affirm"))

    assert events == [SlotSet("care_followup", None)]
    assert [(m["response"], m["case_number"]) for m in messages] == [
        ("utter_account_deletion_requested", "CS-100001")
    ]
    with Session(shop) as session:
        case = session.scalars(select(SupportCase)).one()
    assert (case.kind, case.topic, case.conversation_id) == (
        CaseKind.QUESTION,
        "account deletion",
        "web-anna",
    )


def test_newsletter_reflects_the_newest_consent_per_channel(shop: Engine) -> None:
    with Session(shop) as session:
        for channel, granted, days in [
            (Channel.EMAIL, True, 0),
            (Channel.WEB, True, 0),
            (Channel.WEB, False, 5),
        ]:
            session.add(Consent(customer_id=1, purpose=ConsentPurpose.MARKETING, channel=channel,
                                granted=granted, recorded_at=T0 - timedelta(days=10 - days),
                                source=ConsentSource.SIGNUP))  # fmt: skip
        session.commit()

    events, messages = run(
        ActionShowNewsletterConsent(), user_turn("web-anna", "newsletter", "newsletter_subscription")
    )

    assert events == [SlotSet("care_followup", "offer_unsubscribe")]
    assert [(m["response"], m["status"]) for m in messages] == [
        ("utter_newsletter_status", "get our news and offers by email")
    ]


def test_newsletter_without_consent_offers_to_subscribe(shop: Engine) -> None:
    events, messages = run(
        ActionShowNewsletterConsent(), user_turn("web-ben", "newsletter", "newsletter_subscription")
    )

    assert events == [SlotSet("care_followup", "offer_subscribe")]
    assert messages[0]["status"] == "don't get news or offers from us"
