"""The website's socket.io channel: the socket's conversation is decided once, by a signed token.

Rasa's stock channel lets the browser name its `session_id`, which then *is* the conversation:
anyone who learns a session id (the widget logs it) reads that conversation. Here:

- When a socket connects, the token the storefront minted (socket.io `auth` payload
  `{"token": ...}`, or `?token=...` in the socket URL, which is all rasa-webchat 1.0.1 can send)
  is verified. A customer's token binds the socket to `web:<customer ref>`; a visitor token to
  `web-anon:<visitor id>`; no valid token to a new `web-anon:<random>` of this socket alone.
- Every message on the socket goes to that conversation. A `session_id`, `sender` or
  `customData` the client sends decides nothing; the token and the client's address go to the
  actions in metadata (the action server verifies the token again on every turn).
- With `session_confirm` the socket receives the conversation's `history` from the tracker, so
  a reload shows it, and so does a later visit: a message the shop sent while no widget was open
  is shown then, once, because it is shown from the tracker and not queued anywhere.
- Replies go to the conversation's room, so every open tab of the customer sees them, and so do
  messages the shop sends first (`trigger_intent?output_channel=socketio`).

The python-socketio pin (5.9.0) matters: 5.10 made `enter_room` a coroutine that Rasa 3.6 never
awaits (RasaHQ/rasa#13027); the call below works with either.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOOutput
from rasa.shared.core.events import BotUttered, Restarted, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.origins import allowed_origins
from bot.channels.tokens import CUSTOMER_AUDIENCE, ChatTokens, VerifiedToken

logger = logging.getLogger(__name__)

CUSTOMER_PREFIX = "web:"
VISITOR_PREFIX = "web-anon:"
MAX_MESSAGE_CHARS = 5_000
HISTORY_LENGTH = 60
EXPIRED = "Your login on this page has expired: please reload the page to go on chatting."


@dataclass(frozen=True)
class Binding:
    """What one socket may do: write to and read one conversation, as the token proved."""

    conversation_id: str
    client: str
    token: VerifiedToken | None = None
    raw_token: str | None = None

    @property
    def customer_token(self) -> str | None:
        """The token for the actions: only a customer's (a visitor token proves nobody)."""
        return self.raw_token if self.token and self.token.audience == CUSTOMER_AUDIENCE else None


def bind(token: str | None, tokens: ChatTokens, client: str) -> Binding:
    verified = tokens.verify(token)
    if verified is None:
        return Binding(VISITOR_PREFIX + uuid.uuid4().hex, client)
    prefix = CUSTOMER_PREFIX if verified.audience == CUSTOMER_AUDIENCE else VISITOR_PREFIX
    return Binding(prefix + verified.subject, client, verified, token)


def token_of(auth: Any, environ: dict[str, Any]) -> str | None:
    """The token the client presented at connect time: the auth payload first, else the query."""
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return str(auth["token"])
    values = parse_qs(str(environ.get("QUERY_STRING") or "")).get("token") or []
    return values[0] if values else None


def client_of(environ: dict[str, Any]) -> str:
    """The address the server saw (python-engineio's Sanic driver puts 127.0.0.1 in REMOTE_ADDR)."""
    request = environ.get("sanic.request")
    address = getattr(request, "ip", None) or environ.get("REMOTE_ADDR") or "unknown"
    return str(address)


def history_of(events: Iterable[Any], limit: int = HISTORY_LENGTH) -> list[dict[str, Any]]:
    """The messages a person saw in this conversation, as the widget shows them.

    Messages the shop triggered are shown by their reply, never by the hidden `EXTERNAL` turn;
    a button the customer pressed is shown by its title, as the widget showed it then.
    """
    messages: list[dict[str, Any]] = []
    buttons: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, Restarted):
            messages, buttons = [], []
        elif isinstance(event, UserUttered):
            if (event.metadata or {}).get("is_external") or not event.text:
                continue
            pressed = next((b for b in buttons if b.get("payload") == event.text), None)
            messages.append({"sender": "user", "text": str(pressed["title"]) if pressed else event.text})
        elif isinstance(event, BotUttered) and event.text:
            buttons = list((event.data or {}).get("buttons") or [])
            # Split as the live channel splits (SocketIOOutput), buttons on the last part.
            parts = event.text.strip().split("\n\n") or [event.text]
            for part in parts[:-1]:
                messages.append({"sender": "bot", "text": part})
            last: dict[str, Any] = {"sender": "bot", "text": parts[-1]}
            if buttons:
                last["quick_replies"] = [
                    {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
                    for b in buttons
                ]
            messages.append(last)
    return messages[-limit:]


class _AppBlueprint(Blueprint):
    """Attaches the socket.io server to the Sanic app and remembers the app (for the tracker store)."""

    def __init__(self, sio: AsyncServer, path: str, on_app: Callable[[Any], None]) -> None:
        super().__init__("secure_socketio_webhook", __name__)
        # Sanic blueprints refuse new attributes: what they carry goes in `ctx`.
        self.ctx.sio, self.ctx.path, self.ctx.on_app = sio, path, on_app

    def register(self, app: Any, options: dict[str, Any]) -> None:
        self.ctx.sio.attach(app, self.ctx.path)
        self.ctx.on_app(app)
        super().register(app, options)  # type: ignore[no-untyped-call]


class SecureSocketIOInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            ChatTokens.from_environment(),
            allowed_origins(),
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        tokens: ChatTokens,
        origins: frozenset[str],
        *,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        socketio_path: str = "/socket.io",
    ) -> None:
        self.tokens = tokens
        self.origins = origins
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.socketio_path = socketio_path
        self.sio: AsyncServer | None = None
        self.app: Any = None  # the Sanic app, known once the blueprint is registered
        self.bindings: dict[str, Binding] = {}

    def get_output_channel(self) -> OutputChannel | None:
        """For `trigger_intent?output_channel=socketio`: to the conversation's room."""
        return SocketIOOutput(self.sio, self.bot_message_evt) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # CORS for the polling transport is Rasa's (--cors, the shop's origins); the origin of a
        # socket is checked at connect, which also covers websockets, where CORS does not apply.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        self.sio = sio
        hook = _AppBlueprint(sio, self.socketio_path, self._remember_app)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect")
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if origin and origin not in self.origins:
                logger.info("socket.io connection from a foreign origin %s refused", origin)
                return False
            binding = bind(token_of(auth, environ), self.tokens, client_of(environ))
            self.bindings[sid] = binding
            await _enter(sio, sid, binding.conversation_id)
            return True

        @sio.on("disconnect")
        async def disconnect(sid: str) -> None:
            self.bindings.pop(sid, None)

        @sio.on("session_request")
        async def session_request(sid: str, data: Any = None) -> None:
            binding = self.bindings.get(sid)
            if binding is None:
                return
            # History first: the page stores it where rasa-webchat keeps its conversation, and
            # the widget (re)loads that store when the confirmed session is not the one it had.
            await sio.emit("history", await self._history(binding.conversation_id), room=sid)
            # The widget adopts the id it is told; the one it asked for is ignored.
            await sio.emit("session_confirm", binding.conversation_id, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any = None) -> None:
            binding = self.bindings.get(sid)
            if binding is None or not isinstance(data, dict):
                return
            text = data.get("message")
            if not isinstance(text, str):
                return
            if binding.token is not None and binding.token.expires_at <= self.tokens.now():
                await sio.emit(self.bot_message_evt, {"text": EXPIRED}, room=sid)
                return
            await on_new_message(
                UserMessage(
                    text[:MAX_MESSAGE_CHARS],
                    SocketIOOutput(sio, self.bot_message_evt),
                    binding.conversation_id,
                    input_channel=self.name(),
                    metadata={"chat_token": binding.customer_token, "client": binding.client},
                )
            )

        return hook

    def _remember_app(self, app: Any) -> None:
        self.app = app

    async def _history(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation so far, read under its lock: a reply being sent now is either in it
        (saved before the lock was released) or arrives after it, never lost between the two."""
        agent = getattr(getattr(self.app, "ctx", None), "agent", None) if self.app else None
        if agent is None or agent.tracker_store is None:
            return []
        try:
            async with agent.lock_store.lock(conversation_id):
                tracker = await agent.tracker_store.retrieve_full_tracker(conversation_id)
        except Exception:
            logger.exception("history of %s unavailable", conversation_id)
            return []
        return history_of(tracker.events) if tracker is not None else []


async def _enter(sio: AsyncServer, sid: str, room: str) -> None:
    entered = sio.enter_room(sid, room)
    if inspect.isawaitable(entered):
        await entered
