"""The one client of Rasa's HTTP API (outreach, the pump, the console): what it asks, and errors
that never carry the token (it travels in the query string)."""

from __future__ import annotations

import httpx
import pytest

from console.chat import ChatError, RasaChat
from outreach.rasa_api import RasaApi, RasaApiError

TOKEN = "the-secret-api-token"


def test_an_unreachable_rasa_is_named_without_the_url_or_the_token() -> None:
    api = RasaApi("http://127.0.0.1:9", TOKEN, timeout=2)  # nothing listens on port 9
    with pytest.raises(RasaApiError) as raised:
        api.paused("tg:5551")
    assert "Rasa unreachable" in str(raised.value)
    assert TOKEN not in str(raised.value) and "127.0.0.1" not in str(raised.value)


def test_an_error_answer_keeps_rasas_words_and_never_the_token() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"message": f"no such intent ({request.url.path})"})

    api = RasaApi("http://rasa", TOKEN, transport=httpx.MockTransport(answer))
    with pytest.raises(RasaApiError) as raised:
        api.deliver("web:C00001", "EXTERNAL_nothing", {"key": "k"}, "socketio")
    assert str(raised.value) == "Rasa answered 404: no such intent (/webhooks/proactive/deliver)"
    assert TOKEN not in str(raised.value)


def test_the_delivery_routes_own_error_is_quoted() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "intent: an EXTERNAL_... intent"})

    api = RasaApi("http://rasa", TOKEN, transport=httpx.MockTransport(answer))
    with pytest.raises(RasaApiError) as raised:
        api.deliver("web:C00001", "greet", {}, "socketio")
    assert str(raised.value) == "Rasa answered 400: intent: an EXTERNAL_... intent"


def test_the_paused_check_asks_for_the_state_alone_on_one_kept_connection() -> None:
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json={"sender_id": "tg:5551", "paused": len(asked) == 2, "events": None})

    api = RasaApi("http://rasa", TOKEN, transport=httpx.MockTransport(answer))
    assert api.paused("tg:5551") is False
    assert api.paused("tg:5551") is True
    first = asked[0]
    assert first.url.raw_path.startswith(b"/conversations/tg:5551/tracker?")  # the colon stays
    assert first.url.params["include_events"] == "NONE"
    assert first.url.params["token"] == TOKEN


def test_the_console_gets_the_same_errors_as_its_own_kind() -> None:
    chat = RasaChat("http://127.0.0.1:9", TOKEN, timeout=2)
    with pytest.raises(ChatError) as raised:
        chat.paused("web:C00001")
    assert str(raised.value) == "Rasa unreachable: ConnectError"
