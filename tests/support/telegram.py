"""Playing a Telegram customer through the fake Bot API: write, press buttons, read the chat."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.live import LiveSystem


class TelegramChat:
    """One private chat with the bot. The fake posts real Updates to Rasa's webhook and waits for
    it, so when `say` returns, every reply of that turn has reached the chat."""

    def __init__(self, system: LiveSystem, chat_id: str) -> None:
        assert system.settings.telegram_api_url
        self.fake = system.settings.telegram_api_url
        self.chat_id = chat_id

    def messages(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.fake}/fake/chats/{self.chat_id}", timeout=30)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        return messages

    def _post(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        seen = len(self.messages())
        response = httpx.post(
            f"{self.fake}/fake/updates", json={"chat_id": self.chat_id, **body}, timeout=180
        )
        response.raise_for_status()
        assert response.json()["webhook_status"] == 200, response.json()
        return [m for m in self.messages()[seen:] if m["from"] == "bot"]

    def say(self, text: str) -> list[dict[str, Any]]:
        return self._post({"text": text})

    def press(self, title: str) -> list[dict[str, Any]]:
        """Presses the button `title` on the latest bot message that has it."""
        for message in reversed(self.messages()):
            for row in message.get("keyboard") or []:
                for button in row:
                    if button["text"] == title:
                        return self._post(
                            {"callback_data": button["callback_data"], "message_id": message["message_id"]}
                        )
        raise AssertionError(f"no button {title!r} in chat {self.chat_id}")


def calls(system: LiveSystem, method: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{system.settings.telegram_api_url}/fake/calls", params={"method": method}, timeout=30
    )
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()
    return found


def fail_next(system: LiveSystem, status: int, chat_id: str, *, times: int = 1, retry_after: int = 1) -> None:
    httpx.post(
        f"{system.settings.telegram_api_url}/fake/fail",
        json={
            "method": "sendMessage",
            "status": status,
            "chat_id": chat_id,
            "times": times,
            "retry_after": retry_after,
        },
        timeout=30,
    ).raise_for_status()


def link_through_the_storefront(system: LiveSystem, customer_ref: str) -> str:
    """Logs in on the storefront and asks for the Telegram link, as the customer would: the code."""
    with httpx.Client(base_url=system.settings.shop_url, timeout=30, follow_redirects=True) as shop:
        shop.post("/login", data={"customer": customer_ref}).raise_for_status()
        page = shop.post("/account/telegram").text
    match = re.search(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)", page)
    assert match, page
    return match.group(1)


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)
