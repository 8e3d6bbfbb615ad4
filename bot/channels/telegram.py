"""The Telegram channel: updates only from Telegram, chats known only through the deep link.

Fixed against the stock connector (RasaHQ/rasa#10666 and RASA-NOTES):
- the webhook answers 403 unless `X-Telegram-Bot-Api-Secret-Token` matches the secret given to
  `setWebhook` (which a separate command sets: `python -m stack telegram-webhook`); nothing
  calls `asyncio.run` inside the server's loop;
- the Bot API base URL is configuration (TELEGRAM_API_URL: a local fake in tests and the demo);
- replies keep Telegram's limits and honour `retry_after` (bot/channels/telegram_api.py);
- buttons become an inline keyboard; a pressed button's callback is answered and its keyboard
  removed, so it cannot be pressed twice;
- `/start <code>` becomes `link_account` with the entity `code`, `/stop` becomes `stop_messages`:
  the actions decide and record, this channel writes nothing;
- a 403 "bot was blocked by the user" stops sending to that chat and reports `channel_unreachable`
  to the actions, which mark the chat unreachable in the store.

Configuration comes from the environment, never from credentials.yml: TELEGRAM_BOT_TOKEN,
TELEGRAM_WEBHOOK_SECRET, TELEGRAM_API_URL. Without a token and a secret the webhook refuses all.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.telegram_api import OFFICIAL_API, BotApi, RateLimiter, TelegramBlocked, TelegramError

logger = logging.getLogger(__name__)

CHAT_PREFIX = "tg:"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CALLBACK_BYTES = 64
MAX_TEXT_CHARS = 4096
_START_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]+)(?:@\w+)?(?:\s+(?P<arg>.*))?$", re.DOTALL)

NewMessage = Callable[[UserMessage], Awaitable[Any]]


def inbound_text(text: str) -> str:
    """What the assistant reads for a typed message: Telegram's commands become our intents."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return text
    name, arg = match["name"].lower(), (match["arg"] or "").strip()
    if name == "start":
        return f'/link_account{{"code":"{arg}"}}' if _START_CODE.match(arg) else "/link_account"
    if name == "stop":
        return "/stop_messages"
    if name == "help":
        return "/help"
    return text


class TelegramOutput(OutputChannel):
    """Sends replies to `tg:<chat id>` conversations; one instance per server, built once."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, api: BotApi, on_blocked: Callable[[str], None]) -> None:
        self.api = api
        self._on_blocked = on_blocked
        self.blocked: set[str] = set()
        # Button payloads longer than Telegram's 64-byte callback data, by their short hash.
        self.long_payloads: dict[str, str] = {}

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            await self._send(recipient_id, {"text": part[:MAX_TEXT_CHARS]})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        keyboard = [
            [
                {
                    "text": str(button.get("title")),
                    "callback_data": self._callback_data(str(button.get("payload"))),
                }
            ]
            for button in buttons
        ]
        await self._send(
            recipient_id, {"text": text[:MAX_TEXT_CHARS], "reply_markup": {"inline_keyboard": keyboard}}
        )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, {"text": image})

    def _callback_data(self, payload: str) -> str:
        if len(payload.encode()) <= MAX_CALLBACK_BYTES:
            return payload
        short = "#" + hashlib.sha256(payload.encode()).hexdigest()[:32]
        self.long_payloads[short] = payload
        return short

    def payload_of(self, callback_data: str) -> str | None:
        if callback_data.startswith("#"):
            return self.long_payloads.get(callback_data)
        return callback_data

    async def _send(self, recipient_id: str, message: dict[str, Any]) -> None:
        chat = recipient_id.removeprefix(CHAT_PREFIX)
        if chat in self.blocked:
            raise TelegramBlocked(403, f"chat {chat} blocked the bot: not retried")
        try:
            await self.api.call("sendMessage", {"chat_id": chat, **message}, chat_id=chat)
        except TelegramBlocked:
            self.blocked.add(chat)
            self._on_blocked(chat)
            raise


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        per_chat = float(os.environ.get("TELEGRAM_PER_CHAT_INTERVAL") or 1.0)
        # Telegram's limit for a bot: about 30 messages/s; more with paid broadcasts.
        overall = float(os.environ.get("TELEGRAM_RATE_PER_SECOND") or 30.0)
        return cls(
            token=os.environ.get("TELEGRAM_BOT_TOKEN") or None,
            secret=os.environ.get("TELEGRAM_WEBHOOK_SECRET") or None,
            api_url=os.environ.get("TELEGRAM_API_URL") or OFFICIAL_API,
            per_chat_interval=per_chat,
            overall_per_second=overall,
        )

    def __init__(
        self,
        *,
        token: str | None,
        secret: str | None,
        api_url: str = OFFICIAL_API,
        per_chat_interval: float = 1.0,
        overall_per_second: float = 30.0,
    ) -> None:
        self.secret = secret
        self._on_new_message: NewMessage | None = None
        self._reports: set[asyncio.Future[Any]] = set()
        self.output: TelegramOutput | None = None
        if token:
            api = BotApi(token, api_url, limiter=RateLimiter(overall_per_second, per_chat_interval))
            self.output = TelegramOutput(api, self._report_blocked)

    def get_output_channel(self) -> OutputChannel | None:
        """The one output channel, built in `__init__`: no event loop is started here."""
        return self.output

    def _report_blocked(self, chat: str) -> None:
        """Tells the actions (after the current turn has released the conversation's lock)."""
        if self._on_new_message is None:
            return
        report = UserMessage(
            "/channel_unreachable",
            CollectingOutputChannel(),  # nothing may go back to a chat that refuses us
            CHAT_PREFIX + chat,
            input_channel=self.name(),
            metadata={"channel_event": "blocked"},
        )
        task: asyncio.Future[Any] = asyncio.ensure_future(self._on_new_message(report))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    def blueprint(self, on_new_message: NewMessage) -> Blueprint:
        self._on_new_message = on_new_message
        hook = Blueprint("telegram_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json(
                {"status": "ok", "configured": self.output is not None and bool(self.secret)}
            )

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            presented = request.headers.get(SECRET_HEADER) or ""
            if self.output is None or not self.secret or not hmac.compare_digest(presented, self.secret):
                return response.json({"error": "forbidden"}, status=403)
            try:
                update = request.json
            except Exception:  # sanic raises its own error types for bad JSON
                update = None
            if not isinstance(update, dict):
                return response.json({"error": "send a Telegram Update object"}, status=400)
            await self._handle(update, self.output, on_new_message)
            # Always 200 once authenticated: Telegram would resend a failed update forever.
            return response.json({"ok": True})

        return hook

    async def _handle(
        self, update: dict[str, Any], output: TelegramOutput, on_new_message: NewMessage
    ) -> None:
        found = await self._read(update, output)
        if found is None:
            return
        chat, text = found
        output.blocked.discard(chat)  # they write to us: they can read us again
        try:
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    CHAT_PREFIX + chat,
                    input_channel=self.name(),
                    metadata={"client": CHAT_PREFIX + chat},
                )
            )
        except TelegramError as error:
            logger.warning("reply to Telegram chat %s not sent: %s", chat, error)
        except Exception:
            logger.exception("Telegram update %s failed", update.get("update_id"))

    async def _read(self, update: dict[str, Any], output: TelegramOutput) -> tuple[str, str] | None:
        """(chat id, text for the assistant) of a private chat's message or button, else None."""
        callback = update.get("callback_query")
        if isinstance(callback, dict):
            message = callback.get("message") or {}
            chat = message.get("chat") or {}
            if chat.get("type") != "private":
                return None
            chat_id = str(chat.get("id"))
            await self._acknowledge(output, str(callback.get("id")), chat_id, message.get("message_id"))
            payload = output.payload_of(str(callback.get("data") or ""))
            return (chat_id, payload) if payload else None
        message = update.get("message")
        if not isinstance(message, dict) or not isinstance(message.get("text"), str):
            return None  # edits, stickers, photos, service messages: nothing to answer
        chat = message.get("chat") or {}
        if chat.get("type") != "private":
            return None  # groups: others would read the customer's data
        return str(chat.get("id")), inbound_text(message["text"])

    @staticmethod
    async def _acknowledge(output: TelegramOutput, callback_id: str, chat_id: str, message_id: Any) -> None:
        """Stops the button's spinner and removes the keyboard, so an answer is given once."""
        try:
            await output.api.call("answerCallbackQuery", {"callback_query_id": callback_id})
            if message_id is not None:
                await output.api.call(
                    "editMessageReplyMarkup",
                    {"chat_id": chat_id, "message_id": message_id, "reply_markup": {"inline_keyboard": []}},
                )
        except TelegramError as error:
            logger.info("callback %s not acknowledged: %s", callback_id, error)
