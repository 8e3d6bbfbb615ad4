"""A message the shop sends first, delivered in one step under the conversation's lock.

Rasa's API needs two calls for it, each loading the conversation: the state (is it paused for a
person?) and `trigger_intent`; and between them a person may take the chat. This route loads it
once, under the lock every message and API call takes: paused, it sends nothing; otherwise it
runs the external intent, and it answers whether a bot message followed (the proof of delivery
in docs/delivery.md) instead of sending the events back to be searched.

`POST /webhooks/proactive/deliver` with `{"conversation_id", "intent", "entities",
"output_channel"}` and `Authorization: Bearer <the Rasa API token>`; loopback only. Answers
`{"status": "paused" | "shown" | "not_shown"}`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from rasa.shared.core.constants import IS_EXTERNAL
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rest import is_loopback
from bot.erasure import authorised

logger = logging.getLogger(__name__)
EXTERNAL_PREFIX = "EXTERNAL_"


class ProactiveDeliveryInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "proactive"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("proactive_delivery", __name__)

        @hook.route("/deliver", methods=["POST"])
        async def deliver(request: Request) -> HTTPResponse:
            if not is_loopback(request.ip) or not authorised(request):
                return response.json({"error": "forbidden"}, status=403)
            body = request.json if isinstance(request.json, dict) else {}
            conversation_id, intent = body.get("conversation_id"), body.get("intent")
            entities = body.get("entities") or {}
            agent = request.app.ctx.agent
            if not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= 255:
                return response.json({"error": "conversation_id: a conversation id"}, status=400)
            if not isinstance(intent, str) or not intent.startswith(EXTERNAL_PREFIX):
                return response.json({"error": "intent: an EXTERNAL_... intent"}, status=400)
            if intent not in agent.domain.intents:
                return response.json({"error": f"{intent} is not in the domain"}, status=404)
            if not isinstance(entities, dict):
                return response.json({"error": "entities: an object"}, status=400)
            output = _output_channel(request, str(body.get("output_channel") or ""))
            try:
                async with agent.lock_store.lock(conversation_id):
                    tracker = await agent.processor.fetch_tracker_and_update_session(conversation_id)
                    if tracker.is_paused():
                        return response.json({"status": "paused"})
                    before = len(tracker.events)
                    await agent.trigger_intent(intent, entities, output, tracker)
                    added = list(tracker.events)[before:]
            except Exception as error:  # Rasa's own API answers the same way (500, the error's text)
                logger.exception("proactive delivery into %s failed", conversation_id)
                return response.json({"error": f"{type(error).__name__}: {error}"[:500]}, status=500)
            return response.json({"status": "shown" if shown_after(added, intent) else "not_shown"})

        return hook


def shown_after(events: list[Any], intent: str) -> bool:
    """True when a bot message follows the external `intent` event among `events`."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        external = isinstance(event, UserUttered) and (event.metadata or {}).get(IS_EXTERNAL)
        if external and event.intent_name == intent:
            return any(isinstance(later, BotUttered) for later in events[index + 1 :])
    return False


def _output_channel(request: Request, name: str) -> OutputChannel:
    """The output channel of the input channel called `name` (as Rasa's `trigger_intent` finds it)."""
    for channel in getattr(request.app.ctx, "input_channels", None) or []:
        if channel.name() == name:
            found = channel.get_output_channel()
            if found is not None:
                return found
    return CollectingOutputChannel()
