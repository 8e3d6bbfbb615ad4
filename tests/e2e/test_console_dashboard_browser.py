"""The dashboard in a real headless Chromium: a marketer picks a period, reads the figures and the
charts, and downloads the CSV. The console runs under uvicorn on the hand-worked store of
tests/support/dashboard_shop.py (no Rasa needed: the dashboard never talks to it).

Screenshots go to var/screenshots/console-dashboard*.png (not committed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from console.app import create_app
from console.settings import ConsoleSettings
from crm.models import StaffRole
from crm.settings import VAR_DIR
from crm.uow import UnitOfWork
from tests.support.browser import chromium
from tests.support.console import PASSWORD, SECRET, FakeChat, add_staff, settings_for
from tests.support.dashboard_shop import NOW, fill_log, hand_made_shop
from tests.support.live import free_port

pytestmark = pytest.mark.e2e

SHOTS = VAR_DIR / "screenshots"
WAIT = 30_000


@pytest.fixture
def console_url(store: Engine, tmp_path: Path) -> Iterator[str]:
    hand_made_shop(store)
    add_staff(store, NOW, StaffRole.MARKETER)
    log_url = f"sqlite:///{tmp_path / 'outcomes.db'}"
    fill_log(log_url)
    app = create_app(
        settings_for(store.url.render_as_string(hide_password=False)),
        ConsoleSettings(suppression_secret=SECRET, outcomes_url=log_url),
        chat=FakeChat(),
        store=lambda: UnitOfWork.for_engine(store),
        clock=lambda: NOW,
        senders=lambda: {},
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the console did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_a_marketer_reads_the_dashboard_for_a_period_and_downloads_the_csv(
    browser: Browser, console_url: str, tmp_path: Path
) -> None:
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(f"{console_url}/login")
    page.fill("#email", "marketer@demo")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.click("#nav-dashboard")
    expect(page.locator("#figures")).to_be_visible(timeout=WAIT)
    assert page.input_value("#to") == "2026-11-07"  # today, by the console's clock

    page.fill("#from", "2026-10-25")
    page.fill("#to", "2026-11-07")
    page.click("#show-period")
    expect(page.locator('tr[data-figure="average order value"] .value')).to_have_text("43.75 EUR")
    expect(page.locator('tr[data-figure="handoff waiting time median"] .value')).to_have_text(
        "5 min"
    )  # 300 s: H0 (opened 30 Oct) is in now
    expect(page.locator('tr[data-figure="handoff waiting time p90"] .value')).to_have_text("38 h 25 min")
    charts = page.locator("#charts svg")
    expect(charts).to_have_count(2)
    assert charts.first.bounding_box()["height"] > 100  # type: ignore[index]
    assert page.locator("#charts polyline").count() >= 2  # two weeks: lines, not single points
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-dashboard.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#csv")
    saved = tmp_path / "dashboard.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("from,to,figure,numerator,denominator,value,unit")
    assert "2026-10-25,2026-11-07,average order value,87.5,2,43.75,EUR" in text

    page.fill("#from", "2026-11-08")
    page.click("#show-period")  # after "to": refused, nothing lost
    expect(page.locator("#error")).to_contain_text("to must not be before from")
    assert page.input_value("#from") == "2026-11-08"
