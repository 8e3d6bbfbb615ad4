"""The console's side of a chat in Rasa: the transcript, pausing and joining, the agent's words, hand-back,
close with the rating question, and forgetting conversations (erasure).

Replies go through Rasa's tracker events API with `execute_side_effects`, so Rasa delivers them on
the customer's own channel and records them in the transcript like any bot message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from crm.settings import Settings
from dialogue.flows.desk import RATE_INTENT, UNANSWERED_INTENT
from outreach.rasa_api import RasaApi, RasaApiError, conversation_path

__all__ = ["RATE_INTENT", "UNANSWERED_INTENT", "ChatError", "Line", "RasaChat", "output_channel"]


class ChatError(RasaApiError):
    """Rasa did not do what was asked (down, or answered an error); the message says which."""


@dataclass(frozen=True)
class Line:
    at: datetime
    who: str  # "customer", "bot", "agent", "event"
    text: str
    agent: str | None = None
    buttons: tuple[str, ...] = ()


def output_channel(conversation_id: str) -> str:
    """Rasa's output channel for a conversation of ours (the conversation id names its channel)."""
    if conversation_id.startswith("tg:"):
        return "telegram"
    if conversation_id.startswith("web"):
        return "socketio"
    return "collector"  # REST (development): the words are kept in the transcript only


class RasaChat:
    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._api = RasaApi(base_url, token, timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaChat:
        if not settings.rasa_auth_token:
            raise ChatError("no Rasa API token: set RASA_AUTH_TOKEN (make run writes var/rasa-auth-token)")
        return cls(settings.rasa_url, settings.rasa_auth_token)

    def _call(self, method: str, path: str, *, params: dict[str, str] | None = None, **kwargs: Any) -> Any:
        try:
            return self._api.call(method, path, params=params, **kwargs)
        except RasaApiError as error:
            raise ChatError(str(error)) from error

    def transcript(self, conversation_id: str) -> list[Line]:
        tracker = self._call(
            "GET",
            f"{conversation_path(conversation_id)}/tracker",
            params={"include_events": "ALL"},
        )
        return lines_of(tracker.get("events") or [])

    def paused(self, conversation_id: str) -> bool:
        try:
            return self._api.paused(conversation_id)
        except RasaApiError as error:
            raise ChatError(str(error)) from error

    def events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        self._call(
            "POST",
            f"{conversation_path(conversation_id)}/tracker/events",
            params={"output_channel": output_channel(conversation_id), "execute_side_effects": "true"},
            json=events,
        )

    def join(self, conversation_id: str, agent_name: str, agent: str) -> None:
        """Pauses the bot and tells the customer a person has joined."""
        self.events(
            conversation_id,
            [
                {"event": "pause"},
                _said(
                    f"{agent_name} from our customer care team has joined the chat and will answer you here.",
                    agent,
                ),
            ],
        )

    def say(self, conversation_id: str, text: str, agent: str) -> None:
        self.events(conversation_id, [_said(text, agent)])

    def hand_back(self, conversation_id: str, agent: str) -> None:
        self.events(
            conversation_id,
            [
                _said(
                    "I'm handing you back to our assistant now. If you need a person again, just say so.",
                    agent,
                ),
                {"event": "resume"},
            ],
        )

    def close(self, conversation_id: str, agent: str) -> None:
        """The agent says goodbye and the bot resumes."""
        self.events(
            conversation_id,
            [_said("Thanks for talking with us. I'm closing this chat now.", agent), {"event": "resume"}],
        )

    def ask_rating(self, conversation_id: str, case_number: str) -> None:
        """The bot asks for the 1-5 rating of the closed case."""
        self.trigger(conversation_id, RATE_INTENT, case_number)

    def trigger(self, conversation_id: str, intent: str, case_number: str) -> None:
        self._call(
            "POST",
            f"{conversation_path(conversation_id)}/trigger_intent",
            params={"output_channel": output_channel(conversation_id)},
            json={"name": intent, "entities": {"key": case_number}},
        )

    def forget(self, conversation_ids: Iterable[str]) -> dict[str, int]:
        """Deletes the conversations' events in the tracker store, under their locks (bot/erasure.py)."""
        ids = list(conversation_ids)
        deleted: dict[str, int] = {}
        for start in range(0, len(ids), 100):
            try:
                response = httpx.post(
                    f"{self._base}/webhooks/erasure/forget",
                    headers={"Authorization": f"Bearer {self._token}"},
                    json={"conversation_ids": ids[start : start + 100]},
                    timeout=self._timeout,
                )
            except httpx.HTTPError as error:
                raise ChatError(f"Rasa unreachable: {type(error).__name__}") from error
            if response.status_code != 200:
                raise ChatError(f"Rasa refused the erasure ({response.status_code})")
            deleted.update(response.json().get("deleted") or {})
        return deleted


# What the Telegram channel sends for /start <code> (bot/channels/telegram.py): the code stays out of sight.
LINK_PAYLOAD = "/link_account"


def _said(text: str, agent: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {"agent": agent}}


def lines_of(events: Iterable[dict[str, Any]]) -> list[Line]:
    """The transcript as people read it: what the customer wrote, what the bot and the agents said."""
    lines: list[Line] = []
    offered: dict[str, str] = {}  # the last bot message's buttons: payload -> title
    for event in events:
        kind = event.get("event")
        at = datetime.fromtimestamp(float(event.get("timestamp") or 0), UTC)
        metadata = event.get("metadata") or {}
        if kind == "user":
            if metadata.get("is_external"):
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
                lines.append(Line(at, "event", f"(the shop's side: {intent})"))
            else:
                lines.append(Line(at, "customer", _as_read(str(event.get("text") or ""), offered)))
        elif kind == "bot":
            pressable = (event.get("data") or {}).get("buttons") or []
            offered = {str(b.get("payload")): str(b.get("title")) for b in pressable if b.get("payload")}
            buttons = tuple(str(b.get("title")) for b in pressable)
            agent = metadata.get("agent")
            lines.append(Line(at, "agent" if agent else "bot", str(event.get("text") or ""), agent, buttons))
        elif kind in ("pause", "resume"):
            lines.append(
                Line(at, "event", "bot paused: a person has the chat" if kind == "pause" else "bot resumed")
            )
    return lines


def _as_read(text: str, offered: dict[str, str]) -> str:
    """A pressed button as its title; a Telegram link never with its one-time code."""
    if text in offered:
        return f"[pressed: {offered[text]}]"
    if text.startswith(LINK_PAYLOAD):
        return "(linked this chat to their account)"
    return text
