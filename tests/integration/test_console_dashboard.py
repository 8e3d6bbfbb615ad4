"""The dashboard on a small store whose figures are worked out by hand: the five metrics with their
parts, proactive reach from the outcome log, first reply and waiting times, the CSV and the API,
bad dates refused with 422, and agents kept out."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import (
    CaseEvent,
    CaseEventKind,
    CaseKind,
    CaseStatus,
    Channel,
    ChatRating,
    Customer,
    HandoffReason,
    OrderStatus,
    Review,
    StaffRole,
    SupportCase,
)
from outcomes.store import exposures, open_outcomes, outcomes
from tests.factories import add_customer, add_order, add_product
from tests.support.console import FakeChat, add_staff, console_client, log_in

NOW = datetime(2026, 11, 7, 12, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)  # the period: 1 to 7 November, both included


def at(day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return NOV + timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second)


def _case(
    session: Session, number: str, customer: Customer, kind: CaseKind, opened: datetime, status: CaseStatus
) -> SupportCase:
    handoff = kind is CaseKind.HANDOFF
    case = SupportCase(
        number=number, customer_id=customer.id, kind=kind, topic="help", status=status, opened_at=opened,
        conversation_id=f"conv-{number}" if handoff else None, channel=Channel.WEB if handoff else None,
        reason=HandoffReason.CUSTOMER_ASKED if handoff else None,
    )  # fmt: skip
    session.add(case)
    session.flush()
    return case


def _event(
    session: Session, case: SupportCase, kind: CaseEventKind, when: datetime, actor: str = "a@x"
) -> None:
    session.add(CaseEvent(case_id=case.id, kind=kind, actor=actor, text="", at=when))


def hand_made_shop(engine: Engine) -> None:
    """Active at 1 Nov: Anna, Carla; at 8 Nov: Anna, Ben, Carla; new: Ben (see the test for the sums)."""
    with Session(engine) as session:
        capsules = add_product(session)  # 17.50 each
        anna = add_customer(session, "C1", "Anna")
        ben = add_customer(session, "C2", "Ben")
        carla = add_customer(session, "C3", "Carla")
        dora = add_customer(session, "C4", "Dora")
        add_order(
            session, anna, capsules, "1", placed_at=at(1) - timedelta(days=31), status=OrderStatus.DELIVERED
        )
        add_order(session, anna, capsules, "2", placed_at=at(2), quantity=3)  # 52.50
        add_order(session, ben, capsules, "3", placed_at=at(3))  # 35.00, his first: new
        add_order(session, carla, capsules, "4", placed_at=at(1) - timedelta(days=180))
        add_order(session, dora, capsules, "5", placed_at=at(1) - timedelta(days=400))  # not active
        add_order(session, dora, capsules, "6", placed_at=at(4), status=OrderStatus.CANCELLED)  # no purchase
        session.add_all(
            [
                Review(customer_id=anna.id, rating=5, text="", created_at=at(2)),
                Review(customer_id=ben.id, rating=2, text="", created_at=at(4)),
                Review(customer_id=carla.id, rating=4, text="", created_at=at(1) - timedelta(days=5)),
            ]
        )
        h0 = _case(session, "H0", anna, CaseKind.HANDOFF, at(1) - timedelta(days=2), CaseStatus.CLOSED)
        _event(session, h0, CaseEventKind.TAKEN, at(1))  # opened before the period
        h1 = _case(session, "H1", anna, CaseKind.HANDOFF, at(2), CaseStatus.CLOSED)
        _event(session, h1, CaseEventKind.TAKEN, at(2, minute=1))  # 60 s
        _event(session, h1, CaseEventKind.CLOSED, at(2, minute=20))
        session.add(ChatRating(case_id=h1.id, customer_id=anna.id, agent="a@x", rating=5, rated_at=at(2, 11)))
        h2 = _case(session, "H2", ben, CaseKind.HANDOFF, at(3), CaseStatus.WITH_AGENT)
        _event(session, h2, CaseEventKind.UNANSWERED, at(3, minute=2), actor="system")
        _event(session, h2, CaseEventKind.TAKEN, at(3, minute=5))  # 300 s
        _event(session, h2, CaseEventKind.TAKEN, at(3, minute=30), actor="b@x")  # a transfer: not first
        _case(session, "H3", carla, CaseKind.HANDOFF, at(5), CaseStatus.WAITING_AGENT)  # nobody took it
        _case(session, "H4", carla, CaseKind.HANDOFF, at(5), CaseStatus.WITHDRAWN)  # counts nowhere
        c1 = _case(session, "K1", ben, CaseKind.COMPLAINT, at(4, 9), CaseStatus.CLOSED)
        _event(session, c1, CaseEventKind.CLOSED, at(4, 11))  # 7200 s
        session.commit()


def fill_log(url: str) -> None:
    log = open_outcomes(url)
    rows = [  # key, customer, arm, day, outcomes
        ("k1", 1, "treated", at(2), ("delivered", "accepted")),
        ("k2", 1, "treated", at(3), ("delivered", "opted_out")),
        ("k3", 2, "treated", at(4), ("delivered",)),
        ("k4", 3, "holdout", at(4), ()),
        ("k5", 3, "treated", at(1) - timedelta(days=3), ("delivered", "accepted")),  # before the period
    ]
    with log.begin() as connection:
        for key, customer, arm, when, kinds in rows:
            connection.execute(
                exposures.insert().values(key=key, trigger_id=1, customer_id=customer, arm=arm,
                                          subject="s", at=when)
            )  # fmt: skip
            for kind in kinds:
                connection.execute(outcomes.insert().values(key=key, kind=kind, ref="", at=when))
    log.dispose()


@pytest.fixture
def shop(store: Engine) -> Engine:
    hand_made_shop(store)
    add_staff(store, NOW, StaffRole.AGENT, StaffRole.MARKETER, StaffRole.ADMIN)
    return store


@pytest.fixture
def marketer(shop: Engine, tmp_path: Path) -> TestClient:
    url = f"sqlite:///{tmp_path / 'outcomes.db'}"
    fill_log(url)
    client = console_client(shop, FakeChat(), NOW, outcomes_url=url)
    log_in(client, "marketer@demo")
    return client


EXPECTED = {
    # figure: (numerator, denominator, value)
    "satisfaction level": (2, 3, 2 / 3),  # chat 5 and review 5 of chat 5, reviews 5 and 2
    "retention rate": (2, 2, 1.0),  # (3 active at end - 1 new) / 2 active at start
    "average order value": (87.5, 2, 43.75),  # 52.50 + 35.00 over two orders (the cancelled one out)
    "positive review share": (1, 2, 0.5),
    "complaint share": (1, 3, 1 / 3),  # Ben's complaint, of 3 active at the end
    "acceptance": (1, 3, 1 / 3),  # k1 of three delivered messages
    "opt-out": (1, 3, 1 / 3),  # k2
}
PLAIN = {
    "proactive reach": 2,  # customers 1 and 2 (the holdout and the older message do not count)
    "proactive messages": 3,
    "handoff waiting time median": 180.0,  # 60 s and 300 s
    "handoff waiting time p90": 276.0,  # 60 + 0.9 * 240
    "handoff waiting time cases": 2,
    "handoff waiting time still waiting": 1,  # H3
    "first reply time median": 300.0,  # 60, 300, 7200
    "first reply time p90": 5820.0,  # 300 + 0.8 * 6900
    "first reply time cases": 3,
    "first reply time still waiting": 1,
}


def test_the_api_gives_the_hand_worked_figures(marketer: TestClient) -> None:
    answer = marketer.get("/api/dashboard", params={"from": "2026-11-01", "to": "2026-11-07"})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["from_date"], body["to_date"]) == ("2026-11-01", "2026-11-07")
    found = {row["figure"]: row for row in body["figures"]}
    for name, (numerator, denominator, value) in EXPECTED.items():
        assert found[name]["numerator"] == pytest.approx(numerator), name
        assert found[name]["denominator"] == denominator, name
        assert found[name]["value"] == pytest.approx(value), name
    for name, plain in PLAIN.items():
        assert found[name]["value"] == pytest.approx(plain), name


def test_the_default_period_is_the_last_30_days_up_to_today(marketer: TestClient) -> None:
    body = marketer.get("/api/dashboard").json()

    assert (body["from_date"], body["to_date"]) == ("2026-10-09", "2026-11-07")
    found = {row["figure"]: row for row in body["figures"]}
    assert found["proactive reach"]["value"] == 3  # k5 (29 October) is in now


def test_the_csv_holds_the_same_figures(marketer: TestClient) -> None:
    answer = marketer.get("/dashboard.csv?from=2026-11-01&to=2026-11-07")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "dashboard-2026-11-01-2026-11-07.csv" in answer.headers["content-disposition"]
    table = {row["figure"]: row for row in csv.DictReader(io.StringIO(answer.text))}
    assert table["average order value"]["numerator"] == "87.5"
    assert table["average order value"]["value"] == "43.75"
    assert table["handoff waiting time p90"]["value"] == "276.0"
    assert table["retention rate"]["from"] == "2026-11-01" and table["retention rate"]["to"] == "2026-11-07"


def test_the_page_shows_figures_and_charts(marketer: TestClient) -> None:
    page = marketer.get("/dashboard?from=2026-11-01&to=2026-11-07")

    assert page.status_code == 200
    row = re.search(r'data-figure="satisfaction level">.*?class="value">([^<]*)<', page.text, re.S)
    assert row and row.group(1) == "66.7 %"
    assert page.text.count("<svg") == 2  # the metrics, and acceptance / opt-out
    two_weeks = marketer.get("/dashboard?from=2026-10-25&to=2026-11-07").text
    assert two_weeks.count("<polyline") >= 2 and "25 Oct" in two_weeks and "01 Nov" in two_weeks
    assert 'href="/dashboard.csv?from=2026-11-01&amp;to=2026-11-07"' in page.text


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-11-08", "to": "2026-11-01"},  # reversed
        {"from": "2024-01-01", "to": "2026-01-01"},  # over a year
        {"from": "0001-01-01"},  # out of range (and would overflow)
        {"to": "9999-12-31"},
        {"from": "yesterday"},
    ],
)
def test_bad_dates_are_refused_with_422(marketer: TestClient, query: dict[str, str]) -> None:
    assert marketer.get("/api/dashboard", params=query).status_code == 422
    assert marketer.get("/dashboard.csv", params=query).status_code == 422
    page = marketer.get("/dashboard", params=query)
    assert page.status_code == 422 and 'id="error"' in page.text


def test_agents_may_not_see_the_dashboard(shop: Engine) -> None:
    agent = console_client(shop, FakeChat(), NOW)
    log_in(agent, "agent@demo")

    assert agent.get("/api/dashboard").status_code == 403
    assert agent.get("/dashboard.csv").status_code == 403
    assert agent.get("/dashboard").status_code == 403


def test_without_an_outcome_log_the_reach_is_left_out(shop: Engine) -> None:
    admin = console_client(shop, FakeChat(), NOW)
    log_in(admin, "admin@demo")

    figures = {row["figure"] for row in admin.get("/api/dashboard").json()["figures"]}

    assert "proactive reach" not in figures and "retention rate" in figures
    assert "No outcome log configured" in admin.get("/dashboard").text
