"""The dashboard on a small store whose figures are worked out by hand: the five metrics with their
parts, proactive reach from the outcome log, first reply and waiting times, the CSV and the API,
bad dates refused with 422, and agents kept out."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from crm.models import StaffRole
from tests.support.console import FakeChat, add_staff, console_client, log_in
from tests.support.dashboard_shop import NOW, fill_log, hand_made_shop


@pytest.fixture
def shop(store: Engine) -> Engine:
    hand_made_shop(store)
    add_staff(store, NOW, StaffRole.AGENT, StaffRole.MARKETER, StaffRole.ADMIN)
    return store


@pytest.fixture(params=["sqlite", "postgresql"])
def any_shop(request: pytest.FixtureRequest) -> Engine:
    """The same store on SQLite and on PostgreSQL (the production database)."""
    engine: Engine = request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")
    hand_made_shop(engine)
    add_staff(engine, NOW, StaffRole.MARKETER)
    return engine


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
    "first reply time median": 540.0,  # 120, 540, 7200 (taking the chat is no reply)
    "first reply time p90": 5868.0,  # 540 + 0.8 * 6660
    "first reply time cases": 3,
    "first reply time still waiting": 1,
}


def test_the_api_gives_the_hand_worked_figures(any_shop: Engine, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'outcomes.db'}"
    fill_log(url)
    marketer = console_client(any_shop, FakeChat(), NOW, outcomes_url=url)
    log_in(marketer, "marketer@demo")

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
