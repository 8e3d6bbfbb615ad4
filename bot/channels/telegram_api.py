"""A small Telegram Bot API client that keeps Telegram's limits and says clearly when to give up.

- At most ~30 messages a second overall and one a second per chat (Telegram's published
  limits): each send reserves the next free slot, so one busy chat never holds up the others.
- 429 Too Many Requests: waits the `retry_after` Telegram names, then tries again.
- 5xx or no answer: a few retries with growing pauses, then `TelegramUnavailable`.
- 403 (the user blocked the bot, or the chat is gone): `TelegramBlocked` at once, no retry.

The HTTP session is opened inside the running event loop on first use; nothing here calls
`asyncio.run` (the stock connector's bug, RasaHQ/rasa#10666).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

OFFICIAL_API = "https://api.telegram.org"


class TelegramError(RuntimeError):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"Telegram answered {code}: {description}")
        self.code = code
        self.description = description


class TelegramBlocked(TelegramError):
    """403: the bot was blocked by the user (or cannot write to the chat any more)."""


class TelegramUnavailable(TelegramError):
    """Telegram kept failing (5xx, timeouts, rate limits) after every retry."""


class RateLimiter:
    """Reserves send slots: `overall_per_second` in total, one per `per_chat_interval` per chat."""

    def __init__(
        self,
        overall_per_second: float = 30.0,
        per_chat_interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._gap = 1.0 / overall_per_second
        self._per_chat = per_chat_interval
        self._clock, self._sleep = clock, sleep
        self._next_overall = 0.0
        self._next_for_chat: dict[str, float] = {}

    def reserve(self, chat_id: str) -> float:
        """Books the next slot for `chat_id`; returns how long to wait for it."""
        now = self._clock()
        slot = max(now, self._next_overall, self._next_for_chat.get(chat_id, 0.0))
        self._next_overall = slot + self._gap
        self._next_for_chat[chat_id] = slot + self._per_chat
        if len(self._next_for_chat) > 10_000:  # forget chats whose slot is long past
            self._next_for_chat = {c: t for c, t in self._next_for_chat.items() if t > now}
        return slot - now

    def push_back(self, chat_id: str, seconds: float) -> None:
        """Telegram said "too many requests": nothing more for this chat (or at all) before then."""
        until = self._clock() + seconds
        self._next_for_chat[chat_id] = max(self._next_for_chat.get(chat_id, 0.0), until)

    async def wait(self, chat_id: str) -> None:
        delay = self.reserve(chat_id)
        if delay > 0:
            await self._sleep(delay)


class BotApi:
    def __init__(
        self,
        token: str,
        base_url: str = OFFICIAL_API,
        *,
        limiter: RateLimiter | None = None,
        attempts: int = 5,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        timeout: float = 30.0,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}/"
        self.limiter = limiter or RateLimiter()
        self._attempts = attempts
        self._sleep = sleep
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def _post(self, method: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        async with self._session.post(self._url + method, json=payload) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = {}
            return response.status, body if isinstance(body, dict) else {}

    async def call(self, method: str, payload: dict[str, Any], *, chat_id: str | None = None) -> Any:
        """Calls `method`; sends to a chat (`chat_id`) wait for their slot. Returns Telegram's result."""
        last = "no attempt"
        for attempt in range(self._attempts):
            if chat_id is not None:
                await self.limiter.wait(chat_id)
            try:
                status, body = await self._post(method, payload)
            except (TimeoutError, aiohttp.ClientError) as error:
                last = f"no answer ({error.__class__.__name__})"
                await self._sleep(min(2.0**attempt * 0.5, 8.0))
                continue
            if body.get("ok"):
                return body.get("result")
            code = int(body.get("error_code") or status)
            description = str(body.get("description") or f"HTTP {status}")
            if code == 429:
                retry_after = float((body.get("parameters") or {}).get("retry_after") or 1)
                logger.info("Telegram asks to wait %.0f s before %s", retry_after, method)
                if chat_id is not None:
                    self.limiter.push_back(chat_id, retry_after)
                    continue  # the limiter now waits until then
                await self._sleep(retry_after)
                continue
            if code == 403:
                raise TelegramBlocked(code, description)
            if code >= 500:
                last = description
                await self._sleep(min(2.0**attempt * 0.5, 8.0))
                continue
            raise TelegramError(code, description)
        raise TelegramUnavailable(503, f"{method} failed {self._attempts} times: {last}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
