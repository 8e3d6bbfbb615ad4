"""The console under test: an app on a given store with a recording stand-in for Rasa, and logging in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from console.app import create_app
from console.chat import Line
from console.settings import ConsoleSettings
from crm.models import Channel, StaffRole
from crm.services.staff import create_user
from crm.settings import Settings
from crm.uow import UnitOfWork
from outreach.send import Delivery, SendResult

PASSWORD = "correct horse battery staple"
SECRET = "test-suppression-secret"


@dataclass
class FakeChat:
    """Records what the console asks of Rasa; `transcripts` holds what it answers."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    transcripts: dict[str, list[Line]] = field(default_factory=dict)

    def transcript(self, conversation_id: str) -> list[Line]:
        return self.transcripts.get(conversation_id, [])

    def join(self, conversation_id: str, agent_name: str, agent: str) -> None:
        self.calls.append(("join", conversation_id))

    def say(self, conversation_id: str, text: str, agent: str) -> None:
        self.calls.append(("say", (conversation_id, text)))

    def hand_back(self, conversation_id: str, agent: str) -> None:
        self.calls.append(("hand_back", conversation_id))

    def close(self, conversation_id: str, agent: str) -> None:
        self.calls.append(("close", conversation_id))

    def ask_rating(self, conversation_id: str, case_number: str) -> None:
        self.calls.append(("ask_rating", (conversation_id, case_number)))

    def forget(self, conversation_ids: Iterable[str]) -> dict[str, int]:
        ids = list(conversation_ids)
        self.calls.append(("forget", ids))
        return {i: 0 for i in ids}


@dataclass
class FakeSender:
    """A channel of the engine that records what it is asked to send and says it was delivered."""

    sent: list[tuple[Any, Channel]] = field(default_factory=list)

    def address(self, uow: Any, message: Any, channel: Channel) -> str | None:
        return "fake"

    def send(self, message: Any, channel: Channel, address: str | None = None) -> SendResult:
        self.sent.append((message, channel))
        return SendResult(Delivery.DELIVERED, "fake")

    def already_delivered(self, message: Any, address: str) -> bool | None:
        return None


def settings_for(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        tracker_store_url="sqlite://",
        rasa_host="127.0.0.1",
        rasa_port=1,
        action_port=1,
        nlu_port=1,
        rasa_auth_token="unused",
    )


def console_client(
    engine: Engine, chat: Any, now: datetime, *, outcomes_url: str | None = None, sender: Any = None
) -> TestClient:
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(
        settings_for(url),
        ConsoleSettings(suppression_secret=SECRET, outcomes_url=outcomes_url),
        chat=chat,
        store=lambda: UnitOfWork.for_engine(engine),
        clock=lambda: now,
        senders=lambda: {Channel.WEB: sender, Channel.TELEGRAM: sender} if sender else {},
    )
    return TestClient(app, base_url="http://127.0.0.1")


def add_staff(engine: Engine, now: datetime, *roles: StaffRole) -> None:
    for role in roles:
        create_user(
            UnitOfWork.for_engine(engine),
            f"{role.value}@demo",
            role.value.title(),
            role,
            PASSWORD,
            now,
            actor="test",
        )


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Logs in through the form; returns the session's CSRF token."""
    page = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, page
    answer = client.post(
        "/login", data={"csrf": token.group(1), "email": email, "password": password}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    me = client.get("/api/me")
    if me.status_code != 200:
        return ""
    csrf: str = me.json()["csrf_token"]
    return csrf
