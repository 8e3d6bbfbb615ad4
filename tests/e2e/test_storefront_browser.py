"""The storefront and its chat widget in a real headless Chromium, as a customer uses them.

Screenshots go to var/screenshots/ (not committed), one per step worth looking at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.models import Channel, Customer, Order, OrderStatus
from crm.settings import VAR_DIR
from crm.uow import UnitOfWork
from outreach.rasa_api import RasaApi
from outreach.send import Outreach
from tests.support.browser import chromium
from tests.support.live import LiveSystem

pytestmark = pytest.mark.e2e

SHOTS = VAR_DIR / "screenshots"
REPLY_TIMEOUT = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def store(system: LiveSystem) -> Engine:
    return make_engine(system.settings.database_url)


@pytest.fixture(scope="module")
def outreach(system: LiveSystem, store: Engine) -> Outreach:
    return Outreach(
        lambda: UnitOfWork.for_engine(store),
        RasaApi(system.settings.rasa_url, system.token),
        system.settings.now,
    )


def shipped_customers(store: Engine) -> list[tuple[str, str, str]]:
    """(ref, first name, number) of customers whose latest order is on its way."""
    with Session(store) as session:
        rows = session.execute(
            select(Customer.external_ref, Customer.name, Order.number, Order.status)
            .join(Order, Order.customer_id == Customer.id)
            .where(Customer.external_ref > "C00250")  # customers no other test module uses
            .order_by(Customer.id, Order.placed_at)
        ).all()
    latest: dict[str, tuple[str, str, OrderStatus]] = {}
    for ref, name, number, status in rows:
        latest[ref] = (name.split()[0], number, status)
    return [
        (ref, first, number)
        for ref, (first, number, status) in latest.items()
        if status is OrderStatus.SHIPPED
    ]


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def log_in(page: Page, system: LiveSystem, ref: str) -> None:
    page.goto(f"{system.shop_url}/login")
    page.fill("#customer", ref)
    page.click("#login")
    expect(page.locator("#who")).to_be_visible()


def open_chat(page: Page) -> None:
    """Opens the widget unless it came back open (it remembers that per tab)."""
    # The widget shows itself once the server confirmed the session.
    expect(page.locator(".rw-launcher")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(300)
    if not page.locator(".rw-new-message").is_visible():
        page.click(".rw-launcher")
    expect(page.locator(".rw-new-message")).to_be_visible(timeout=30_000)


def ask(page: Page, text: str) -> None:
    page.fill(".rw-new-message", text)
    page.press(".rw-new-message", "Enter")


def chat_text(page: Page) -> str:
    return " ".join(page.locator(".rw-message").all_inner_texts())


def test_a_customer_asks_on_the_storefront_and_a_pushed_message_appears_live_then_history_then_logout(
    browser: Browser, system: LiveSystem, store: Engine, outreach: Outreach
) -> None:
    ref, first_name, number = shipped_customers(store)[0]
    page = browser.new_page()
    log_in(page, system, ref)
    expect(page.locator("#orders")).to_contain_text(number)
    open_chat(page)

    ask(page, "where is my order")
    # The real status: the latest order, its carrier and tracking number, as "My orders" shows them.
    expect(page.locator(".rw-message").filter(has_text=number).first).to_be_visible(timeout=REPLY_TIMEOUT)
    shot(page, "1-asked-where-is-my-order")

    pushed = f"Sorry: order {number} is running late. Shall we chase the carrier for you?"
    result = outreach.send(
        ref, Channel.WEB, "EXTERNAL_delivery_late", {"order": number, "message": pushed}, "b:1"
    )
    expect(page.locator(".rw-message").filter(has_text="is running late")).to_have_count(
        1, timeout=REPLY_TIMEOUT
    )
    shot(page, "2-pushed-while-open")
    assert result.delivered

    page.locator(".rw-reply", has_text="Not now").click()  # quick replies work
    expect(page.locator(".rw-message").filter(has_text="No problem")).to_have_count(1, timeout=REPLY_TIMEOUT)

    # What the widget kept in this tab goes: after the reload, the conversation comes from the server.
    page.evaluate("sessionStorage.removeItem('chat_session')")
    page.reload()
    open_chat(page)
    expect(page.locator(".rw-message").filter(has_text="where is my order")).to_have_count(1, timeout=30_000)
    expect(page.locator(".rw-message").filter(has_text="is running late")).to_have_count(1)
    expect(page.locator(".rw-message").filter(has_text="No problem")).to_have_count(1)
    shot(page, "3-history-after-reload")

    page.click("#logout")
    expect(page.locator("#logged-out")).to_be_visible()
    open_chat(page)
    page.wait_for_timeout(2_000)  # the server's (empty) history has arrived by now
    shot(page, "4-after-logout")
    text = chat_text(page)
    assert number not in text and "where is my order" not in text and first_name not in text
    page.close()


def test_a_customer_who_was_offline_sees_the_message_once_on_the_next_visit(
    browser: Browser, system: LiveSystem, store: Engine, outreach: Outreach
) -> None:
    ref, _, number = shipped_customers(store)[1]
    pushed = f"Sorry: order {number} is running late. Shall we chase the carrier for you?"
    assert outreach.send(
        ref, Channel.WEB, "EXTERNAL_delivery_late", {"order": number, "message": pushed}, "b:2"
    ).delivered

    page = browser.new_context().new_page()
    log_in(page, system, ref)
    open_chat(page)
    late = page.locator(".rw-message").filter(has_text=re.compile(f"order {number} is running late"))
    expect(late).to_have_count(1, timeout=30_000)
    page.wait_for_timeout(2_000)
    expect(late).to_have_count(1)  # once: not again live, not twice from storage
    shot(page, "5-offline-message-on-next-visit")

    page.reload()
    open_chat(page)
    page.wait_for_timeout(2_000)
    expect(late).to_have_count(1)
    page.close()
