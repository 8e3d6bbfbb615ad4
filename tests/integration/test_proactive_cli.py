"""`python -m proactive` planning commands: what they print, what they change, and their refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from crm.models import OutboxMessage, ProactiveSwitch, Trigger, TriggerStatus
from proactive.__main__ import main
from tests.support.proactive_shop import NOW, TODAY, proactive_shop


@pytest.fixture
def cli(store: Engine, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    proactive_shop(store)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ASSISTANT_FROZEN_NOW", NOW.isoformat())
    monkeypatch.setenv("PROACTIVE_CONTROL_PERCENT", "0")
    return store


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_seed_score_list_pause_and_activate(cli: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "seed-triggers")[1].startswith("added consumable-refill, service-due")
    assert run(capsys, "seed-triggers")[1].strip() == "the demo triggers are there already"
    with Session(cli) as session:
        session.execute(update(Trigger).values(holdout_percent=0))
        session.commit()
    code, out, _ = run(capsys, "score")
    assert code == 0
    assert "late-delivery-apology: 1 candidates, 1 in the audience, 1 planned, 0 already planned" in out
    code, out, _ = run(
        capsys, "score", "--trigger", "service-due", "--now", (NOW + timedelta(hours=1)).isoformat()
    )
    assert "0 planned, 2 already planned" in out
    code, out, _ = run(capsys, "triggers")
    assert "kill switch: off" in out and "service-due" in out and "pending 2" in out
    assert run(capsys, "pause", "service-due", "--reason", "too many complaints")[0] == 0
    assert "paused  (too many complaints)" in run(capsys, "triggers")[1]
    assert run(capsys, "activate", "service-due")[1].strip() == "service-due is active"
    with Session(cli) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


def test_the_kill_switch_stops_planning(cli: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "seed-triggers")
    assert run(capsys, "kill-switch", "on")[1].strip() == "kill switch on"
    _, out, _ = run(capsys, "score", "--trigger", "late-delivery-apology")
    assert "0 planned" in out and "kill_switch 1" in out
    with Session(cli) as session:
        assert session.get_one(ProactiveSwitch, "kill").on
    run(capsys, "kill-switch", "off")
    assert "1 planned" in run(capsys, "score", "--trigger", "late-delivery-apology")[1]


def test_replay_prints_counts_and_a_sample(cli: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "seed-triggers")
    with Session(cli) as session:
        session.execute(update(Trigger).values(holdout_percent=0))
        session.commit()
    code, out, err = run(
        capsys, "replay", "consumable-refill", "--from", str(TODAY - timedelta(days=30)), "--to", str(TODAY)
    )
    assert code == 0
    assert "3 occasions, 2 messages to 1 customers" in out and "blocked: no_consent 1" in out
    assert "C80001 via telegram: Hi Anna, you last ordered" in out
    assert str(TODAY) in err  # progress, day by day


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("score", "--trigger", "nope"), "no trigger named 'nope'"),
        (("activate", "nope"), "no trigger named 'nope'"),
        (
            ("replay", "consumable-refill", "--from", "2026-11-20", "--to", "2026-11-01"),
            "ends (2026-11-01) before",
        ),
        (("score", "--now", "2026-11-20T12:00:00"), "needs a UTC offset"),
        (("activate", "service-due"), "unknown placeholder(s) {colour}"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(
    cli: Engine, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    run(capsys, "seed-triggers")
    with Session(cli) as session:
        session.execute(
            update(Trigger)
            .where(Trigger.name == "service-due")
            .values(status=TriggerStatus.DRAFT, template="Your {device} in {colour}")
        )
        session.commit()
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err
    with Session(cli) as session:
        assert (
            session.get_one(Trigger, 2).status is TriggerStatus.DRAFT
        )  # a refused activation changes nothing
