"""A local stand-in for Telegram's Bot API: the real protocol, failures on demand, a page to play a customer.

Bot API side (what our Telegram channel calls), at `/bot<token>/<method>`: getMe, setWebhook,
deleteWebhook, getWebhookInfo, sendMessage, answerCallbackQuery, editMessageReplyMarkup, each
answering `{"ok": true, "result": ...}` or Telegram's error shape. Every call is recorded.

Telegram side (what a person in a chat does), under `/fake/`: post a message or press a button
as a chat (a real `Update` is POSTed to the webhook with the secret header), read a chat, make
the next calls fail (429 with `retry_after`, 403 blocked, 5xx), and `/` is a small page showing
the chats, where a person can play the Telegram customer.

`python -m fakes.telegram --port 8081` serves it (`make run` does, in demo mode).
"""

from __future__ import annotations

import argparse
import itertools
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel

BOT_ID = 777000123
BOT_USERNAME = "demo_shop_bot"
_PAGE = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape()
).get_template("telegram.html")


@dataclass
class Failure:
    method: str
    status: int
    times: int
    chat_id: str | None = None
    retry_after: int = 1

    def body(self) -> dict[str, Any]:
        if self.status == 429:
            return {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {self.retry_after}",
                "parameters": {"retry_after": self.retry_after},
            }
        if self.status == 403:
            return {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        return {"ok": False, "error_code": self.status, "description": "Internal Server Error"}


@dataclass
class FakeTelegram:
    """Everything the fake knows: the webhook, the chats, the calls, the failures to come."""

    webhook_url: str | None = None
    secret_token: str | None = None
    chats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def failure_for(self, method: str, chat_id: str | None) -> Failure | None:
        with self._lock:
            for failure in self.failures:
                if failure.method == method and failure.chat_id in (None, chat_id) and failure.times > 0:
                    failure.times -= 1
                    if failure.status == 403:
                        failure.times += 1  # a blocked bot stays blocked
                    return failure
        return None

    def add(self, chat_id: str, entry: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.chats.setdefault(chat_id, []).append(entry)
        return entry


class Typed(BaseModel):
    """A person in a chat writes `text` or presses the button `callback_data` under `message_id`."""

    chat_id: str
    text: str | None = None
    callback_data: str | None = None
    message_id: int | None = None


class Failing(BaseModel):
    """The next `times` calls of `method` (for `chat_id`, or any chat) fail with `status`."""

    method: str = "sendMessage"
    status: int
    times: int = 1
    chat_id: str | None = None
    retry_after: int = 1


def chat_of(chat_id: str) -> dict[str, Any]:
    return {"id": int(chat_id), "type": "private", "first_name": f"Customer {chat_id}"}


def create_app(state: FakeTelegram | None = None) -> FastAPI:
    fake = state or FakeTelegram()
    app = FastAPI(title="Fake Telegram Bot API")
    app.state.fake = fake

    @app.post("/bot{token}/{method}")
    @app.get("/bot{token}/{method}")
    async def bot_api(token: str, method: str, request: Request) -> JSONResponse:
        try:
            payload = await request.json() if await request.body() else dict(request.query_params)
        except ValueError:
            payload = {}
        chat_id = str(payload["chat_id"]) if "chat_id" in payload else None
        fake.calls.append({"method": method, "payload": payload, "at": time.time()})
        failure = fake.failure_for(method, chat_id)
        if failure is not None:
            return JSONResponse(failure.body(), status_code=failure.status)
        if ":" not in token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        result = answer(fake, method, payload, chat_id)
        if result is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return JSONResponse({"ok": True, "result": result})

    @app.post("/fake/updates")
    async def post_update(typed: Typed) -> JSONResponse:
        """A person writes (or presses a button) in a chat: a real Update goes to the webhook."""
        if not fake.webhook_url:
            return JSONResponse({"error": "no webhook set"}, 409)
        update_id = fake.next_id()
        if typed.callback_data is not None:
            shown = next(
                (m for m in fake.chats.get(typed.chat_id, []) if m.get("message_id") == typed.message_id), {}
            )
            update: dict[str, Any] = {
                "update_id": update_id,
                "callback_query": {
                    "id": str(update_id),
                    "from": {"id": int(typed.chat_id), "is_bot": False, "first_name": "Customer"},
                    "chat_instance": typed.chat_id,
                    "data": typed.callback_data,
                    "message": {
                        "message_id": typed.message_id,
                        "date": int(time.time()),
                        "chat": chat_of(typed.chat_id),
                        "from": {
                            "id": BOT_ID,
                            "is_bot": True,
                            "first_name": "Shop",
                            "username": BOT_USERNAME,
                        },
                        "text": shown.get("text", ""),
                    },
                },
            }
            pressed = next(
                (
                    b["text"]
                    for row in shown.get("keyboard", [])
                    for b in row
                    if b["callback_data"] == typed.callback_data
                ),
                typed.callback_data,
            )
            fake.add(
                typed.chat_id, {"from": "customer", "text": f"[{pressed}]", "pressed": typed.callback_data}
            )
        else:
            message_id = fake.next_id()
            update = {
                "update_id": update_id,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": chat_of(typed.chat_id),
                    "from": {"id": int(typed.chat_id), "is_bot": False, "first_name": "Customer"},
                    "text": typed.text or "",
                },
            }
            fake.add(typed.chat_id, {"from": "customer", "text": typed.text or "", "message_id": message_id})
        headers = {"X-Telegram-Bot-Api-Secret-Token": fake.secret_token or ""}
        async with httpx.AsyncClient(timeout=120) as client:
            delivered = await client.post(fake.webhook_url, json=update, headers=headers)
        return JSONResponse({"webhook_status": delivered.status_code, "update": update})

    @app.get("/fake/chats/{chat_id}")
    async def read_chat(chat_id: str) -> list[dict[str, Any]]:
        return fake.chats.get(chat_id, [])

    @app.get("/fake/calls")
    async def read_calls(method: str | None = None) -> list[dict[str, Any]]:
        return [c for c in fake.calls if method is None or c["method"] == method]

    @app.get("/fake/webhook")
    async def webhook_info() -> dict[str, Any]:
        return {"url": fake.webhook_url, "has_secret": bool(fake.secret_token)}

    @app.post("/fake/fail")
    async def fail(spec: Failing) -> dict[str, str]:
        fake.failures.append(Failure(spec.method, spec.status, spec.times, spec.chat_id, spec.retry_after))
        return {"status": "armed"}

    @app.post("/fake/reset")
    async def reset() -> dict[str, str]:
        fake.failures.clear()
        return {"status": "reset"}

    @app.get("/", response_class=HTMLResponse)
    async def page(chat: str | None = None, start: str | None = None) -> HTMLResponse:
        chosen = (
            chat or (next(iter(fake.chats), None) if not start else None) or str(random.randint(10**8, 10**9))
        )
        return HTMLResponse(
            _PAGE.render(
                chats=sorted(fake.chats), chat=chosen, messages=fake.chats.get(chosen, []),
                start=start, bot=BOT_USERNAME, webhook=fake.webhook_url,
            )
        )  # fmt: skip

    return app


def answer(fake: FakeTelegram, method: str, payload: dict[str, Any], chat_id: str | None) -> Any:
    """The `result` Telegram would give for `method`, recording what the bot did."""
    if method == "getMe":
        return {"id": BOT_ID, "is_bot": True, "first_name": "Shop assistant", "username": BOT_USERNAME}
    if method == "setWebhook":
        fake.webhook_url = str(payload.get("url") or "") or None
        fake.secret_token = str(payload.get("secret_token") or "") or None
        return True
    if method == "deleteWebhook":
        fake.webhook_url = fake.secret_token = None
        return True
    if method == "getWebhookInfo":
        return {"url": fake.webhook_url or "", "pending_update_count": 0}
    if method == "sendMessage" and chat_id is not None:
        message_id = fake.next_id()
        keyboard = (payload.get("reply_markup") or {}).get("inline_keyboard") or []
        fake.add(
            chat_id,
            {"from": "bot", "text": payload.get("text", ""), "message_id": message_id, "keyboard": keyboard},
        )
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat_of(chat_id),
            "text": payload.get("text", ""),
            **({"reply_markup": payload["reply_markup"]} if keyboard else {}),
        }
    if method == "answerCallbackQuery":
        return True
    if method == "editMessageReplyMarkup" and chat_id is not None:
        keyboard = (payload.get("reply_markup") or {}).get("inline_keyboard") or []
        for message in fake.chats.get(chat_id, []):
            if message.get("message_id") == payload.get("message_id"):
                message["keyboard"] = keyboard
        return True
    return None


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m fakes.telegram", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
