"""A socket.io client that talks to the website channel the way rasa-webchat does."""

from __future__ import annotations

import queue
import time
from typing import Any

import socketio

from tests.support.live import LiveSystem


class Widget:
    """One open chat widget: connect (with a token or none), ask for a session, chat.

    `session_id` is what a browser may claim; the server decides the real conversation and
    says so in `session_confirm`, which is kept as `conversation_id`.
    """

    def __init__(
        self,
        system: LiveSystem,
        *,
        token: str | None = None,
        in_query: bool = False,
        session_id: str | None = None,
        origin: str | None = None,
    ) -> None:
        self.system = system
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        for event in ("session_confirm", "history", "bot_uttered"):
            self.client.on(event, self._recorder(event))
        url = system.settings.rasa_url
        if token and in_query:
            url += f"/?token={token}"
        self.client.connect(
            url,
            auth={"token": token} if token and not in_query else None,
            headers={"Origin": origin} if origin else {},
            transports=["polling"],
            socketio_path="/socket.io",
            wait_timeout=30,
        )
        self.client.emit("session_request", {"session_id": session_id})
        first: dict[str, Any] = {}
        while len(first) < 2:  # the history comes first, then the confirmed session
            event, data = self._events.get(timeout=30)
            first[event] = data
        self.conversation_id: str = first["session_confirm"]
        self.history: list[dict[str, Any]] = first["history"]

    def _recorder(self, event: str) -> Any:
        def record(data: Any = None) -> None:
            self._events.put((event, data))

        return record

    def _next(self, wanted: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            event, data = self._events.get(timeout=max(0.1, deadline - time.monotonic()))
            if event == wanted:
                return data

    def say(
        self, text: str, *, session_id: str | None = None, custom_data: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Sends a message (claiming `session_id` if given) and returns the bot's messages."""
        self.client.emit(
            "user_uttered",
            {
                "message": text,
                "session_id": session_id or self.conversation_id,
                "customData": custom_data or {},
            },
        )
        return self.replies()

    def replies(self, timeout: float = 60, quiet: float = 1.5) -> list[dict[str, Any]]:
        """The bot's messages: the first within `timeout`, the rest until `quiet` seconds pass."""
        messages = [self._next("bot_uttered", timeout)]
        while True:
            try:
                event, data = self._events.get(timeout=quiet)
            except queue.Empty:
                return messages
            if event == "bot_uttered":
                messages.append(data)

    def close(self) -> None:
        self.client.disconnect()


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)
