"""The marketers' pages and API on a real store with the engine's test shop: a trigger is created,
previewed for a real customer, activated, paused, and the kill switch flips; every change is audited;
an agent may not touch triggers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import AuditEntry, ProactiveSwitch, StaffRole, Trigger, TriggerStatus
from outcomes.store import exposures, open_outcomes, outcomes
from tests.support.console import FakeChat, FakeSender, add_staff, console_client, log_in
from tests.support.proactive_shop import NOW, proactive_shop

TEMPLATE = "Hi {first_name}, your {product} may run out around {due_date}. Shall we send more?"


@pytest.fixture
def shop(store: Engine) -> Engine:
    proactive_shop(store)
    add_staff(store, NOW, StaffRole.AGENT, StaffRole.MARKETER)
    return store


def page_csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_a_marketer_creates_previews_activates_and_pauses_a_trigger_and_flips_the_kill_switch(
    shop: Engine,
) -> None:
    marketer = console_client(shop, FakeChat(), NOW)
    log_in(marketer, "marketer@demo")
    csrf = page_csrf(marketer, "/marketing/triggers/new")
    form = {
        "csrf": csrf, "name": "capsule refill", "description": "before the capsules run out",
        "predictor": "replenishment", "template": TEMPLATE, "audience": '{"countries": ["Germany"]}',
        "category": "marketing", "channels": "preferred,web", "window_start": "09:00", "window_end": "20:00",
        "holdout_percent": "10", "throttle_per_hour": "", "cooldown_days": "30", "lead_days": "3",
        "every_minutes": "60",
    }  # fmt: skip
    created = marketer.post("/marketing/triggers", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text
    page = created.headers["location"].split("?")[0]

    shown = marketer.get(f"{page}?preview=C80001")
    assert shown.status_code == 200
    assert re.search(r'id="preview-text">Hi Anna, your .* may run out around', shown.text), shown.text[-3000:]
    assert 'id="in-audience">' in shown.text

    bad = dict(form, template="Hi {nickname}")
    refused = marketer.post(page, data=bad)
    assert refused.status_code == 400 and "unknown placeholder" in refused.text

    assert marketer.post(f"{page}/status", data={"csrf": csrf, "status": "active"}).status_code == 200
    with Session(shop) as session:
        assert (
            session.scalars(select(Trigger.status).where(Trigger.name == "capsule refill")).one()
            is TriggerStatus.ACTIVE
        )
    marketer.post(f"{page}/status", data={"csrf": csrf, "status": "paused"})
    listing = marketer.get("/marketing").text
    assert "paused by marketer@demo" in listing and "paused automatically" not in listing

    marketer.post("/marketing/kill-switch", data={"csrf": csrf, "on": "yes"})
    with Session(shop) as session:
        assert session.get(ProactiveSwitch, "kill").on  # type: ignore[union-attr]
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith(("trigger", "kill"))] == [
        "trigger.created", "trigger.active", "trigger.paused", "kill_switch.changed",
    ]  # fmt: skip
    assert "Kill switch ON" in marketer.get("/marketing").text


def test_the_api_previews_for_a_customer_outside_the_audience_honestly(shop: Engine) -> None:
    marketer = console_client(shop, FakeChat(), NOW)
    csrf = log_in(marketer, "marketer@demo")
    headers = {"X-CSRF-Token": csrf}
    body = {"name": "late parcels", "predictor": "delivery_risk", "category": "service",
            "template": "Hi {first_name}, order {order} is late: sorry!"}  # fmt: skip
    created = marketer.post("/api/triggers", json=body, headers=headers)
    assert created.status_code == 201, created.text
    trigger_id = created.json()["id"]
    preview = marketer.post(
        f"/api/triggers/{trigger_id}/preview", json={"customer_ref": "C80001"}, headers=headers
    )
    assert preview.json()["text"] == "Hi Anna, order 3000010 is late: sorry!"
    outside = marketer.post(
        f"/api/triggers/{trigger_id}/preview", json={"customer_ref": "C80002"}, headers=headers
    )
    assert outside.json()["text"] is None and "not in this trigger's audience" in outside.json()["problem"]


def test_an_agent_cannot_read_or_edit_triggers(shop: Engine) -> None:
    agent = console_client(shop, FakeChat(), NOW)
    csrf = log_in(agent, "agent@demo")
    assert agent.get("/marketing").status_code == 403
    assert agent.get("/api/triggers").status_code == 403
    body = {"name": "x", "predictor": "delivery_risk", "category": "service", "template": "Hi {first_name}"}
    assert agent.post("/api/triggers", json=body, headers={"X-CSRF-Token": csrf}).status_code == 403
    assert (
        agent.post("/api/kill-switch", json={"on": True}, headers={"X-CSRF-Token": csrf}).status_code == 403
    )


def test_the_trigger_page_shows_results_against_holdout_and_control_by_week(
    shop: Engine, tmp_path: Path
) -> None:
    log_url = f"sqlite:///{tmp_path / 'outcomes.db'}"
    marketer = console_client(shop, FakeChat(), NOW, outcomes_url=log_url)
    csrf = log_in(marketer, "marketer@demo")
    body = {"name": "late parcels", "predictor": "delivery_risk", "category": "service",
            "template": "Hi {first_name}, order {order} is late: sorry!"}  # fmt: skip
    trigger_id = marketer.post("/api/triggers", json=body, headers={"X-CSRF-Token": csrf}).json()["id"]
    log = open_outcomes(log_url)
    with log.begin() as connection:
        for n in range(40):
            arm = ("treated", "holdout", "control")[n % 3]
            key = f"k{n}"
            at = NOW - timedelta(days=3 + n % 10)
            connection.execute(
                exposures.insert().values(key=key, trigger_id=trigger_id, customer_id=1000 + n, arm=arm,
                                          subject="order:1", at=at)
            )  # fmt: skip
            if arm == "treated" or n % 6 == 0:
                connection.execute(outcomes.insert().values(key=key, kind="converted", ref="", at=at))
    log.dispose()
    page = marketer.get(f"/marketing/triggers/{trigger_id}").text
    table = re.search(r'<pre id="results">(.*?)</pre>', page, re.S)
    assert table and "late parcels: treated 14, holdout 13, control 13 exposures" in table.group(1)
    assert "treated - holdout" in table.group(1)
    assert page.count('data-arm="treated"') >= 2  # at least two weeks in the chart


def test_a_test_send_goes_to_the_chosen_chat_marked_as_a_test_for_a_customer_in_the_audience(
    shop: Engine,
) -> None:
    sender = FakeSender()
    marketer = console_client(shop, FakeChat(), NOW, sender=sender)
    csrf = log_in(marketer, "marketer@demo")
    headers = {"X-CSRF-Token": csrf}
    body = {"name": "late parcels", "predictor": "delivery_risk", "category": "service",
            "template": "Hi {first_name}, order {order} is late: sorry!"}  # fmt: skip
    trigger_id = marketer.post("/api/triggers", json=body, headers=headers).json()["id"]

    sent = marketer.post(
        f"/api/triggers/{trigger_id}/test-send",
        json={"to": "web:C80001", "customer_ref": "C80001"},
        headers=headers,
    )
    assert sent.status_code == 200 and sent.json()["result"] == "delivered", sent.text
    [(message, channel)] = sender.sent
    assert channel.value == "web" and message.key.startswith("test:")
    assert message.context["message"] == "[Test] Hi Anna, order 3000010 is late: sorry!"

    outside = marketer.post(
        f"/api/triggers/{trigger_id}/test-send",
        json={"to": "web:C80001", "customer_ref": "C80002"},
        headers=headers,
    )
    assert outside.status_code == 400 and "not in this trigger's audience" in outside.text
    page = marketer.post(
        f"/marketing/triggers/{trigger_id}/test-send",
        data={"csrf": csrf, "to": "web:C80001", "customer": "C80001"},
    )
    assert 'id="test-result">Test send: delivered' in page.text
    assert len(sender.sent) == 2
