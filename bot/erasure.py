"""Forgetting conversations when a customer is erased: the tracker events go, under each one's lock.

Rasa 3.6's tracker stores have no delete, and a delete from outside the server races with a
message in flight: the turn loaded the tracker before the delete and saves "the events not yet
stored" after it, which would be all of them again. This route runs inside the Rasa server and
holds the conversation's lock (the one every message and every HTTP API call takes) while the
rows go, so a later message starts an empty conversation.

`POST /webhooks/erasure/forget` with `{"conversation_ids": [...]}` and `Authorization: Bearer
<the Rasa API token>`; loopback only. Answers `{"deleted": {conversation id: events}}`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rest import is_loopback
from bot.tracker_store import ConversationStore

logger = logging.getLogger(__name__)
MAX_CONVERSATIONS = 200
# Set by `bot.serve` from RASA_AUTH_TOKEN before Rasa starts (the variable itself is removed, so
# no child process inherits it): the same token as Rasa's HTTP API.
_API_TOKEN: list[str] = []


def configure(token: str) -> None:
    _API_TOKEN[:] = [token]


def authorised(request: Request) -> bool:
    """The caller holds the Rasa API token (`Authorization: Bearer ...`); the routes of bot/ check this."""
    given = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
    return bool(_API_TOKEN and given and hmac.compare_digest(given.encode(), _API_TOKEN[0].encode()))


def conversation_store(store: Any) -> ConversationStore | None:
    """Our SQL store inside Rasa's wrappers (fail-safe, awaitable)."""
    for _ in range(5):
        if isinstance(store, ConversationStore):
            return store
        store = getattr(store, "_tracker_store", None)
    return None


class ErasureInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "erasure"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("conversation_erasure", __name__)

        @hook.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            if not is_loopback(request.ip) or not authorised(request):
                return response.json({"error": "forbidden"}, status=403)
            body = request.json if isinstance(request.json, dict) else {}
            ids = body.get("conversation_ids")
            if (
                not isinstance(ids, list)
                or len(ids) > MAX_CONVERSATIONS
                or not all(isinstance(i, str) and 0 < len(i) <= 255 for i in ids)
            ):
                return response.json({"error": "conversation_ids: a list of conversation ids"}, status=400)
            agent = request.app.ctx.agent
            store = conversation_store(agent.tracker_store)
            if store is None:
                return response.json(
                    {"error": "the tracker store is not the SQL conversation store"}, status=501
                )
            deleted: dict[str, int] = {}
            for conversation_id in ids:
                async with agent.lock_store.lock(conversation_id):
                    deleted[conversation_id] = await asyncio.to_thread(store.forget, conversation_id)
            logger.info("erased %d conversations", len(deleted))
            return response.json({"deleted": deleted})

        return hook
