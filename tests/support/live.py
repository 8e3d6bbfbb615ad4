"""Talking to a running system the way a channel does: REST messages with a server-signed token."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from crm.chat_tokens import mint
from crm.settings import Settings

E2E_CUSTOMERS = 300
# A Friday noon in UK winter time: support is open, working-day arithmetic is non-trivial.
E2E_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Reply:
    texts: list[str]
    buttons: list[dict[str, str]]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass(frozen=True)
class LiveSystem:
    settings: Settings
    token: str
    log_dir: Path
    # Process ids by server name ("nlu", "actions", "rasa"), for tests that inspect them.
    pids: dict[str, int] = field(default_factory=dict)

    @property
    def shop_url(self) -> str:
        return self.settings.shop_url

    def chat_token(self, customer_ref: str, ttl: timedelta = timedelta(hours=2)) -> str:
        assert self.settings.chat_token_secret, "the system has no chat token secret"
        return mint(customer_ref, self.settings.chat_token_secret, self.settings.now(), ttl)

    def send(
        self, sender: str, message: str, *, customer: str | None = None, token: str | None = None
    ) -> Reply:
        """One message through the REST channel, as `customer` (a signed token) or as a visitor."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if customer is not None or token is not None:
            body["metadata"] = {"token": token or self.chat_token(str(customer))}
        response = httpx.post(f"{self.settings.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        texts: list[str] = []
        buttons: list[dict[str, Any]] = []
        for item in response.json():
            if "text" in item:
                texts.append(item["text"])
            buttons.extend(item.get("buttons") or [])
        return Reply(texts, buttons)

    def say(self, sender: str, message: str, *, customer: str | None = None) -> list[str]:
        return self.send(sender, message, customer=customer).texts

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.settings.rasa_url}/conversations/{conversation_id}/tracker",
            params={"token": self.token},
            timeout=30,
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A call to Rasa's HTTP API with the auth token."""
        params = {"token": self.token, **kwargs.pop("params", {})}
        return httpx.request(method, f"{self.settings.rasa_url}{path}", params=params, timeout=60, **kwargs)
