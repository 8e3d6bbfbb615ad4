"""The automatic pause on scripted harmful triggers, and a person resuming one (both audited)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import AuditEntry, Trigger, TriggerStatus
from crm.uow import UnitOfWork
from outcomes.pause import ACTOR, PauseSettings, pause_harmful
from outcomes.store import exposures, open_outcomes, outcomes
from proactive.__main__ import main
from proactive.triggers import seed_triggers
from tests.support.proactive_shop import NOW, proactive_shop

START = NOW - timedelta(days=60)


def _exposed(log: Engine, trigger_id: int, arm: str, count: int, **kinds: int) -> None:
    """`count` exposures of one arm; the first `kinds[k]` of them have outcome k."""
    with log.begin() as connection:
        rows = [
            {
                "key": f"{trigger_id}:{arm}:{i}", "trigger_id": trigger_id, "customer_id": i, "arm": arm,
                "subject": "product:1", "product_id": 1, "at": START + timedelta(days=1 + i % 50),
            }
            for i in range(count)
        ]  # fmt: skip
        connection.execute(exposures.insert(), rows)
        events = [
            {
                "key": f"{trigger_id}:{arm}:{i}",
                "kind": "delivered",
                "ref": "",
                "at": START + timedelta(days=1),
            }
            for i in range(count)
            if arm == "treated"
        ]
        for kind, n in kinds.items():
            events += [
                {"key": f"{trigger_id}:{arm}:{i}", "kind": kind, "ref": "", "at": START + timedelta(days=2)}
                for i in range(n)
            ]
        if events:
            connection.execute(outcomes.insert(), events)


@pytest.fixture
def triggers(store: Engine) -> dict[str, int]:
    proactive_shop(store)
    seed_triggers(UnitOfWork.for_engine(store), START)
    with Session(store) as session:
        return {t.name: t.id for t in session.scalars(select(Trigger))}


def _status(store: Engine) -> dict[str, tuple[TriggerStatus, str | None]]:
    with Session(store) as session:
        return {t.name: (t.status, t.status_reason) for t in session.scalars(select(Trigger))}


def test_harmful_triggers_pause_and_a_person_resumes_one(
    store: Engine, sqlite_url: str, triggers: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = open_outcomes(f"sqlite:///{tmp_path / 'outcomes.db'}")
    # Complaints: 30 of 300 treated against 3 of 300 held out: harm, beyond the sequential bound.
    _exposed(log, triggers["service-due"], "treated", 300, complaint=30)
    _exposed(log, triggers["service-due"], "holdout", 300, complaint=3)
    # Opt-outs: 8 of 100 delivered, above 3 %; its complaints are as the holdout's.
    _exposed(log, triggers["consumable-refill"], "treated", 100, opted_out=8, complaint=2)
    _exposed(log, triggers["consumable-refill"], "holdout", 100, complaint=2)
    # Benign: 1 opt-out of 100, complaints like the holdout's.
    _exposed(log, triggers["late-delivery-apology"], "treated", 150, opted_out=1, complaint=5)
    _exposed(log, triggers["late-delivery-apology"], "holdout", 150, complaint=5)
    paused = pause_harmful(UnitOfWork.for_engine(store), log, NOW, PauseSettings())
    assert {p.trigger for p in paused} == {"service-due", "consumable-refill"}
    status = _status(store)
    assert status["late-delivery-apology"] == (TriggerStatus.ACTIVE, None)
    assert status["service-due"][0] is TriggerStatus.PAUSED
    assert "complaints 30/300 vs holdout 3/300" in (status["service-due"][1] or "")
    assert "opt-out 8.0% of 100 delivered" in (status["consumable-refill"][1] or "")
    # Looking again pauses nothing twice.
    assert pause_harmful(UnitOfWork.for_engine(store), log, NOW + timedelta(hours=1)) == []
    # A person resumes it; the old evidence predates the resume, so it is not paused again at once.
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ASSISTANT_FROZEN_NOW", (NOW + timedelta(hours=2)).isoformat())
    assert main(["activate", "service-due", "--by", "alice"]) == 0
    assert pause_harmful(UnitOfWork.for_engine(store), log, NOW + timedelta(hours=3)) == []
    with Session(store) as session:
        entries = [
            (e.actor, e.action, e.subject)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    service = f"trigger:{triggers['service-due']}"
    assert (ACTOR, "trigger.pause", service) in entries
    assert (ACTOR, "trigger.pause", f"trigger:{triggers['consumable-refill']}") in entries
    assert entries[-1] == ("cli:alice", "trigger.resume", service)
    assert _status(store)["service-due"] == (TriggerStatus.ACTIVE, None)


def test_below_the_minimum_sample_nothing_pauses(
    store: Engine, triggers: dict[str, int], tmp_path: Path
) -> None:
    log = open_outcomes(f"sqlite:///{tmp_path / 'outcomes.db'}")
    # 4 of 40 complained against none of 40: striking, but too few to judge; 3 of 20 opted out.
    _exposed(log, triggers["service-due"], "treated", 40, complaint=4)
    _exposed(log, triggers["service-due"], "holdout", 40)
    _exposed(log, triggers["consumable-refill"], "treated", 20, opted_out=3)
    assert pause_harmful(UnitOfWork.for_engine(store), log, NOW) == []
