"""Replay against history from the trigger page: the would-send count, a sample and the occasions
held back per reason, the same as proactive/replay.py finds, and nothing written."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from crm.models import Base, StaffRole, Trigger
from crm.uow import UnitOfWork
from proactive.triggers import seed_triggers
from tests.support.console import FakeChat, add_staff, console_client, log_in
from tests.support.proactive_shop import NOW, TODAY, proactive_shop


def _rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
            if name not in ("staff_sessions", "audit_log")
        }


@pytest.fixture
def shop(store: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    proactive_shop(store)
    seed_triggers(UnitOfWork.for_engine(store), NOW)
    with Session(store) as session:
        session.execute(update(Trigger).values(holdout_percent=0))
        session.commit()
    add_staff(store, NOW, StaffRole.AGENT, StaffRole.MARKETER)
    monkeypatch.setenv("PROACTIVE_CONTROL_PERCENT", "0")  # nobody in the global control group
    return store


def _refill_id(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalars(select(Trigger.id).where(Trigger.name == "consumable-refill")).one()


def test_a_marketer_replays_a_trigger_against_the_last_month(shop: Engine) -> None:
    marketer = console_client(shop, FakeChat(), NOW)
    log_in(marketer, "marketer@demo")
    before = _rows(shop)
    start = TODAY - timedelta(days=30)

    page = marketer.get(
        f"/marketing/triggers/{_refill_id(shop)}/replay",
        params={"from": start.isoformat(), "to": TODAY.isoformat()},
    )

    assert page.status_code == 200, page.text[-2000:]
    # As in the engine's own replay test: Anna twice (30 days ago and 1.5 days ago); Ben has no
    # marketing consent.
    assert re.search(r'id="replay-would-send">2<', page.text)
    assert re.search(r'id="replay-recipients">1<', page.text)
    assert re.search(r'data-reason="no_consent"><td>no_consent</td><td>1<', page.text)
    sample = re.search(r'<ul id="replay-sample">(.*?)</ul>', page.text, re.S)
    assert sample and sample.group(1).count("<li>") == 2 and "C80001" in sample.group(1)
    assert f'value="{start.isoformat()}"' in page.text
    assert _rows(shop) == before


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-11-10", "to": "2026-11-01"},
        {"from": "2026-01-01", "to": "2026-11-01"},  # over 92 days
        {"to": "2027-01-01"},  # the future is no history
        {"from": "last week"},
    ],
)
def test_a_bad_range_is_refused_with_the_reason(shop: Engine, query: dict[str, str]) -> None:
    marketer = console_client(shop, FakeChat(), NOW)
    log_in(marketer, "marketer@demo")

    page = marketer.get(f"/marketing/triggers/{_refill_id(shop)}/replay", params=query)

    assert page.status_code == 422 and 'id="trigger-error"' in page.text


def test_agents_may_not_replay(shop: Engine) -> None:
    agent = console_client(shop, FakeChat(), NOW)
    log_in(agent, "agent@demo")

    assert agent.get(f"/marketing/triggers/{_refill_id(shop)}/replay").status_code == 403
