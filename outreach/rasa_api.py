"""Rasa's HTTP API as the shop's processes call it: one client, the token never in an error or a log.

One `httpx.Client` per `RasaApi`, kept open: a fresh client per call (what `httpx.request` does)
builds a TLS context each time, loading the CA bundle even for plain HTTP; in the pump that was
the largest single cost of a message (measured, docs/outcomes.md). The connection is reused too.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx


class RasaApiError(RuntimeError):
    """Rasa answered with an error (or not at all); the message carries Rasa's own words.

    Never the URL: Rasa's API takes its token in the query string.
    """


def conversation_path(conversation_id: str) -> str:
    """`/conversations/<id>`; Rasa (Sanic) does not decode %3A in a path, so the colon of
    "tg:<chat>" stays as it is."""
    return f"/conversations/{quote(conversation_id, safe=':')}"


class RasaApi:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`transport` stands in for the network in tests."""
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.Client | None = None
        self._opening = threading.Lock()

    def __enter__(self) -> RasaApi:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        # Opened on first use (no I/O at construction); shared by the caller's threads.
        with self._opening:
            if self._client is None:
                self._client = httpx.Client(
                    base_url=self._base, timeout=self._timeout, transport=self._transport
                )
            return self._client

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One API call with the token; Rasa's JSON answer, or `RasaApiError`."""
        query = {"token": self._token, **(params or {})}
        try:
            response = self._http().request(method, path, params=query, json=json, headers=headers)
        except httpx.HTTPError as error:
            # The error's text may quote the request's URL, and with it the token: its kind only.
            raise RasaApiError(f"Rasa unreachable: {type(error).__name__}") from error
        if response.status_code >= 400:
            try:
                answer = response.json()
            except ValueError:
                answer = None
            # Rasa's routes say "message", this project's own routes "error".
            found = answer if isinstance(answer, dict) else {}
            message = found.get("message") or found.get("error") or response.text
            raise RasaApiError(f"Rasa answered {response.status_code}: {message}"[:2000])
        return response.json()

    def tracker(self, conversation_id: str, *, events: str = "AFTER_RESTART") -> dict[str, Any]:
        """The conversation's state; `events` is Rasa's `include_events` (NONE for the state alone)."""
        found: dict[str, Any] = self.call(
            "GET", f"{conversation_path(conversation_id)}/tracker", params={"include_events": events}
        )
        return found

    def paused(self, conversation_id: str) -> bool:
        """Whether a person has the conversation (the state only, no events read or sent)."""
        return bool(self.tracker(conversation_id, events="NONE").get("paused"))

    def deliver(
        self, conversation_id: str, intent: str, entities: dict[str, Any], output_channel: str
    ) -> str:
        """Runs the external `intent` unless a person has the conversation, in one step under its
        lock (bot/proactive_delivery.py): "paused", "shown" (a bot message followed) or "not_shown"."""
        found = self.call(
            "POST",
            "/webhooks/proactive/deliver",
            json={
                "conversation_id": conversation_id,
                "intent": intent,
                "entities": entities,
                "output_channel": output_channel,
            },
            headers={"Authorization": f"Bearer {self._token}"},
        )
        return str(found.get("status") if isinstance(found, dict) else "")
