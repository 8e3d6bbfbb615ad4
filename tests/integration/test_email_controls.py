"""The answer links under a proactive email, on the storefront: signed, expiring, and each doing
what it says (stop at once with an undo, less often, another channel); on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import (
    Channel,
    CommunicationPreferences,
    Consent,
    ConsentPurpose,
    ConsentSource,
    OutboxMessage,
    OutboxState,
    ProactiveAnswer,
)
from crm.settings import Settings
from proactive.email_links import EmailAction, sign
from tests.factories import T0, add_customer
from tests.support.outbox import plan
from web.app import create_app

SECRET = "email-controls-secret-of-32-bytes-or-more"
KEY = "filter:C00042:2026-11"


@pytest.fixture(params=["sqlite", "postgres"])
def shop(request: pytest.FixtureRequest) -> tuple[TestClient, Engine]:
    engine: Engine = request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    with Session(engine) as session:
        customer = add_customer(session, "C00042", "Dana Weber")
        for channel in (Channel.WEB, Channel.EMAIL):
            session.add(
                Consent(
                    customer_id=customer.id, purpose=ConsentPurpose.MARKETING, channel=channel,
                    granted=True, recorded_at=T0, source=ConsentSource.SIGNUP,
                )
            )  # fmt: skip
        row = plan(session, customer.id, KEY, Channel.EMAIL)
        row.state, row.sent_at = OutboxState.SENT, T0
        session.commit()
    settings = Settings(
        database_url=url,
        tracker_store_url="sqlite://",
        rasa_host="127.0.0.1",
        rasa_port=5005,
        action_port=5055,
        nlu_port=5056,
        rasa_auth_token=None,
        chat_token_secret=SECRET,
        frozen_now=T0,
    )
    return TestClient(create_app(settings)), engine


def link(action: EmailAction, key: str = KEY) -> str:
    return f"/email/{sign(SECRET, key, 'C00042', action, T0)}"


def marketing(engine: Engine) -> list[tuple[Channel, bool, ConsentSource]]:
    with Session(engine) as session:
        return [
            (c.channel, c.granted, c.source)
            for c in session.scalars(
                select(Consent).where(Consent.source != ConsentSource.SIGNUP).order_by(Consent.id)
            )
        ]


def answer_of(engine: Engine) -> ProactiveAnswer | None:
    with Session(engine) as session:
        return session.scalars(select(OutboxMessage.answer).where(OutboxMessage.key == KEY)).one()


def test_the_stop_link_withdraws_marketing_consent_at_once_and_its_undo_gives_it_back(
    shop: tuple[TestClient, Engine],
) -> None:
    client, engine = shop

    page = client.get(link(EmailAction.STOP))
    withdrawn = marketing(engine)
    undo = re.search(r'action="(/email/[^"]+/undo)"', page.text)
    assert undo is not None, page.text
    undone = client.post(undo.group(1))

    assert page.status_code == 200 and "no more news or offers" in page.text
    assert withdrawn == [(c, False, ConsentSource.EMAIL) for c in Channel]  # every channel, at once
    assert undone.status_code == 200 and "Undone" in undone.text
    assert marketing(engine)[len(withdrawn) :] == [
        (Channel.WEB, True, ConsentSource.EMAIL),
        (Channel.EMAIL, True, ConsentSource.EMAIL),
    ]  # what was allowed before, and only that
    assert answer_of(engine) is None


def test_less_often_and_another_channel_change_the_preferences_and_record_the_answer(
    shop: tuple[TestClient, Engine],
) -> None:
    client, engine = shop

    client.get(link(EmailAction.LESS_OFTEN))
    choice = client.get(link(EmailAction.OTHER_CHANNEL))
    form = re.search(r'action="(/email/[^"]+/channel)"', choice.text)
    assert form is not None, choice.text
    chosen = client.post(form.group(1), data={"channel": "telegram"})

    with Session(engine) as session:
        prefs = session.scalars(select(CommunicationPreferences)).one()
    assert prefs.preferred_channel is Channel.TELEGRAM and "Telegram" in chosen.text
    assert answer_of(engine) is ProactiveAnswer.LESS_OFTEN  # the first answer is the one recorded
    assert marketing(engine) == []


def test_a_forged_expired_or_test_link_changes_nothing(shop: tuple[TestClient, Engine]) -> None:
    client, engine = shop
    token = link(EmailAction.STOP).removeprefix("/email/")
    forged = f"/email/{sign(SECRET, KEY, 'C00043', EmailAction.STOP, T0).split('.')[0]}.{token.split('.')[1]}"
    expired = f"/email/{sign(SECRET, KEY, 'C00042', EmailAction.STOP, T0.replace(year=2025))}"

    refused = [client.get(forged), client.get(expired)]
    test = client.get(link(EmailAction.STOP, key="test:water filters:abc"))

    assert [r.status_code for r in refused] == [400, 400] and "expired" in refused[1].text
    assert "test message" in test.text
    assert marketing(engine) == [] and answer_of(engine) is None
