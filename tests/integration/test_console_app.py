"""The console's app against a real migrated store (Rasa played by a recording fake): logging in,
throttling, CSRF, roles, and the handoff lifecycle through the JSON API."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.demo.staff import seed_demo_staff
from crm.models import CaseStatus, Channel, HandoffReason, StaffRole, StaffSession, SupportCase
from crm.services.handoff import queue_status, request_handoff
from crm.uow import UnitOfWork
from tests.factories import T0, small_shop
from tests.support.console import PASSWORD, FakeChat, add_staff, console_client, log_in

NOW = T0 + timedelta(days=3)  # a Wednesday, 09:30 UTC: support is open


@pytest.fixture
def shop(store: Engine) -> Engine:
    small_shop(store)
    add_staff(store, NOW, StaffRole.AGENT, StaffRole.MARKETER, StaffRole.ADMIN)
    return store


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat()


def client_for(shop: Engine, chat: FakeChat) -> TestClient:
    return console_client(shop, chat, NOW)


def waiting_case(shop: Engine, conversation: str = "tg:4242", customer_id: int | None = 1) -> str:
    view = request_handoff(
        UnitOfWork.for_engine(shop), customer_id, conversation, Channel.TELEGRAM, NOW - timedelta(minutes=4),
        reason=HandoffReason.COMPLAINT, note="My capsules arrived crushed",
    )  # fmt: skip
    return view.case_number


def test_login_sets_a_strict_httponly_session_cookie_and_stores_only_its_hash(
    shop: Engine, chat: FakeChat
) -> None:
    client = client_for(shop, chat)
    page = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token
    form = {"csrf": token.group(1), "email": "agent@demo", "password": PASSWORD}
    answer = client.post("/login", data=form, follow_redirects=False)
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and "console_session" in v)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    session_id = client.cookies.get("console_session")
    assert session_id
    with Session(shop) as session:
        hashes = session.scalars(select(StaffSession.id_hash)).all()
    assert len(hashes) == 1 and session_id not in hashes[0]
    assert client.get("/api/me").json()["role"] == "agent"


def test_wrong_passwords_lock_the_account_even_for_the_right_password(shop: Engine, chat: FakeChat) -> None:
    client = client_for(shop, chat)
    for _ in range(5):
        assert log_in(client, "agent@demo", "wrong password, long enough") == ""
    assert log_in(client, "agent@demo") == ""  # locked for 15 minutes
    assert "Too many failed attempts" in client.get("/login?error=locked").text
    later = console_client(shop, chat, NOW + timedelta(minutes=16))
    assert log_in(later, "agent@demo") != ""


def test_login_without_the_form_token_is_refused(shop: Engine, chat: FakeChat) -> None:
    client = client_for(shop, chat)
    answer = client.post("/login", data={"email": "agent@demo", "password": PASSWORD})
    assert answer.status_code == 403
    assert client.get("/api/me").status_code == 401


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(shop: Engine, chat: FakeChat) -> None:
    number = waiting_case(shop)
    client = client_for(shop, chat)
    csrf = log_in(client, "agent@demo")
    assert client.post(f"/api/cases/{number}/take").status_code == 403
    assert client.post(f"/api/cases/{number}/take", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/availability", data={"availability": "available"}).status_code == 403
    assert chat.calls == []
    with Session(shop) as session:
        assert session.scalars(select(SupportCase.status)).one() is CaseStatus.WAITING_AGENT
    assert client.post(f"/api/cases/{number}/take", headers={"X-CSRF-Token": csrf}).status_code == 200


def test_a_marketer_cannot_read_transcripts_and_an_agent_cannot_reach_admin(
    shop: Engine, chat: FakeChat
) -> None:
    number = waiting_case(shop)
    marketer = client_for(shop, chat)
    log_in(marketer, "marketer@demo")
    assert marketer.get(f"/api/cases/{number}").status_code == 403
    assert marketer.get(f"/cases/{number}").status_code == 403
    assert marketer.get("/api/queue").status_code == 403
    agent = client_for(shop, chat)
    log_in(agent, "agent@demo")
    assert agent.get(f"/api/cases/{number}").status_code == 200
    assert agent.get("/admin").status_code == 403
    assert agent.get("/api/staff").status_code == 403
    assert agent.get("/api/customers/C90001/export").status_code == 403
    anonymous = client_for(shop, chat)
    assert anonymous.get("/api/queue").status_code == 401
    assert anonymous.get("/queue", follow_redirects=False).headers["location"].startswith("/login")


def test_agents_on_duty_drive_the_wait_the_bot_gives(shop: Engine, chat: FakeChat) -> None:
    waiting_case(shop)
    client = client_for(shop, chat)
    csrf = log_in(client, "agent@demo")

    def expected() -> int | None:
        view = queue_status(UnitOfWork.for_engine(shop), "tg:4242", NOW)
        assert view is not None
        return view.expected_minutes

    assert expected() is None  # accounts exist, nobody is available: no made-up estimate
    assert (
        client.post(
            "/api/availability", json={"availability": "available"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 200
    )
    assert expected() == 6
    assert client.get("/api/queue").json()["agents_on_duty"] == 1


def test_the_handoff_lifecycle_take_reply_note_transfer_close_and_only_one_agent_takes(
    shop: Engine, chat: FakeChat
) -> None:
    number = waiting_case(shop)
    agent, admin = client_for(shop, chat), client_for(shop, chat)
    agent_csrf, admin_csrf = log_in(agent, "agent@demo"), log_in(admin, "admin@demo")
    queue = agent.get("/api/queue").json()["cases"]
    assert [(c["number"], c["reason"], c["waiting_seconds"]) for c in queue] == [(number, "complaint", 240)]

    def post(client: TestClient, csrf: str, path: str, body: dict[str, str] | None = None) -> int:
        return client.post(
            f"/api/cases/{number}/{path}", json=body, headers={"X-CSRF-Token": csrf}
        ).status_code

    assert post(agent, agent_csrf, "take") == 200
    assert post(admin, admin_csrf, "take") == 409  # already taken: exactly one wins
    assert chat.calls == [("join", "tg:4242")]
    assert post(admin, admin_csrf, "reply", {"text": "not mine"}) == 409
    assert post(agent, agent_csrf, "reply", {"text": "Sorry about that! A new box is on its way."}) == 200
    assert post(admin, admin_csrf, "notes", {"text": "Offer a voucher next time"}) == 200
    assert post(agent, agent_csrf, "transfer", {"to": "marketer@demo"}) == 409  # not an agent
    assert post(agent, agent_csrf, "transfer", {"to": "admin@demo"}) == 200
    assert post(agent, agent_csrf, "close") == 409  # no longer the agent's chat
    assert post(admin, admin_csrf, "close") == 200
    assert chat.calls[1:] == [
        ("say", ("tg:4242", "Sorry about that! A new box is on its way.")),
        ("close", "tg:4242"),
        ("ask_rating", ("tg:4242", number)),
    ]
    detail = agent.get(f"/api/cases/{number}").json()
    assert detail["case"]["status"] == "closed"
    assert [e["kind"] for e in detail["events"]] == ["taken", "replied", "note", "transferred", "closed"]
    assert detail["customer"]["ref"] == "C90001"
    assert [o["number"] for o in detail["orders"]] == ["2000002", "2000001"]


def test_hand_back_returns_the_chat_to_the_bot_without_closing(shop: Engine, chat: FakeChat) -> None:
    number = waiting_case(shop)
    agent = client_for(shop, chat)
    csrf = log_in(agent, "agent@demo")
    headers = {"X-CSRF-Token": csrf}
    assert agent.post(f"/api/cases/{number}/take", headers=headers).status_code == 200
    answer = agent.post(f"/api/cases/{number}/hand-back", headers=headers)
    assert answer.json()["status"] == "open"
    assert chat.calls == [("join", "tg:4242"), ("hand_back", "tg:4242")]


def test_queue_and_case_pages_render_for_an_agent(shop: Engine, chat: FakeChat) -> None:
    number = waiting_case(shop)
    agent = client_for(shop, chat)
    log_in(agent, "agent@demo")
    page = agent.get("/queue")
    assert page.status_code == 200 and 'id="queue"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert f'data-number="{number}"' in agent.get(f"/cases/{number}").text


def test_the_demo_seed_creates_three_accounts_once_with_passwords_only_in_a_private_file(
    store: Engine, tmp_path: Path
) -> None:
    logins = tmp_path / "console-demo-logins"
    created = seed_demo_staff(UnitOfWork.for_engine(store), NOW, logins)
    assert created is not None and set(created) == {"agent@demo", "marketer@demo", "admin@demo"}
    assert logins.stat().st_mode & 0o777 == 0o600
    assert all(f"{email} {password}" in logins.read_text() for email, password in created.items())
    assert seed_demo_staff(UnitOfWork.for_engine(store), NOW, logins) is None  # once
    client = console_client(store, FakeChat(), NOW)
    assert log_in(client, "marketer@demo", created["marketer@demo"]) != ""
