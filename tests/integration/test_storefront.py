"""The demo storefront's server side: its login decides whose chat token the page carries."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from crm.chat_tokens import verify
from crm.settings import Settings
from tests.factories import T0, small_shop
from web.app import create_app

SECRET = "storefront-test-secret-of-32-bytes-or-more"


@pytest.fixture
def shop(store: Engine, sqlite_url: str) -> TestClient:
    small_shop(store)
    settings = Settings(
        database_url=sqlite_url,
        tracker_store_url="sqlite://",
        rasa_host="127.0.0.1",
        rasa_port=5005,
        action_port=5055,
        nlu_port=5056,
        rasa_auth_token=None,
        chat_token_secret=SECRET,
        frozen_now=T0,
        telegram_bot_username="demo_shop_bot",
    )
    return TestClient(create_app(settings))


def chat_config(page: str) -> dict[str, str]:
    match = re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', page, re.DOTALL)
    if match is None:
        pytest.fail("no chat config on the page (is the widget installed? make setup)")
    config: dict[str, str] = json.loads(match.group(1))
    return config


def test_a_visitor_gets_a_token_that_proves_no_customer(shop: TestClient) -> None:
    config = chat_config(shop.get("/").text)

    assert verify(config["token"], SECRET, T0) is None
    assert config["owner"].startswith("visitor:")


def test_logging_in_signs_the_chat_token_for_that_customer_and_shows_their_orders(shop: TestClient) -> None:
    page = shop.post("/login", data={"customer": "c90001"}, follow_redirects=True).text

    assert "2000002" in page and "2000003" not in page  # Anna's orders, not Ben's
    assert verify(chat_config(page)["token"], SECRET, T0) == "C90001"


def test_logging_out_gives_the_next_person_a_new_anonymous_chat(shop: TestClient) -> None:
    before = chat_config(shop.get("/").text)["owner"]
    shop.post("/login", data={"customer": "C90001"})

    after = shop.post("/logout", follow_redirects=True).text

    assert verify(chat_config(after)["token"], SECRET, T0) is None
    assert chat_config(after)["owner"] not in (before, "customer:C90001")


def test_a_tampered_session_cookie_is_nobody(shop: TestClient) -> None:
    shop.post("/login", data={"customer": "C90001"})
    cookie = shop.cookies["shop_session"]
    shop.cookies.clear()
    shop.cookies.set("shop_session", cookie[:-4] + ("0000" if not cookie.endswith("0000") else "1111"))

    assert shop.get("/orders", follow_redirects=False).status_code == 303


def test_an_unknown_customer_cannot_log_in(shop: TestClient) -> None:
    response = shop.post("/login", data={"customer": "C99999"}, follow_redirects=False)

    assert response.headers["location"] == "/login?error=unknown"


def test_connect_telegram_shows_a_one_time_deep_link(shop: TestClient) -> None:
    shop.post("/login", data={"customer": "C90001"})

    page = shop.post("/account/telegram").text

    assert re.search(r"https://t\.me/demo_shop_bot\?start=[A-Za-z0-9_-]{32}", page)
