"""The one action Rasa runs for every customer message: the dialogue decides, in context."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.identity import channel_of, verified_customer
from actions.store import settings, unit_of_work
from crm.db import StoreError
from dialogue.conversation import Context, Conversation
from dialogue.engine import respond
from dialogue.state import DialogueState
from dialogue.texts import STORE_UNAVAILABLE
from dialogue.turn import turn_from_parse

log = logging.getLogger(__name__)
STATE_SLOT = "dialogue"


class ActionRespond(Action):
    def name(self) -> str:
        return "action_respond"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        # The store is synchronous (SQLAlchemy): answering runs in a worker thread, so one slow
        # query never holds up the other conversations on the action server's event loop.
        conversation = await asyncio.to_thread(answer, tracker)
        if conversation is None:
            dispatcher.utter_message(text=STORE_UNAVAILABLE)
            return []
        for reply in conversation.replies:
            dispatcher.utter_message(text=reply.text, buttons=[dict(b) for b in reply.buttons])
        return [SlotSet(STATE_SLOT, conversation.state.to_dict())]


def answer(tracker: Tracker) -> Conversation | None:
    """The dialogue's answer to the tracker's latest message; None when the store is down."""
    parse = tracker.latest_message or {}
    metadata = parse.get("metadata") or {}
    turn = turn_from_parse(parse, metadata if isinstance(metadata, dict) else {})
    config = settings()
    now = config.now()
    input_channel = tracker.get_latest_input_channel()
    try:
        customer = verified_customer(
            unit_of_work(), input_channel, tracker.sender_id, metadata, config.chat_token_secret, now
        )
    except StoreError:
        log.exception("identity unavailable for conversation %s", tracker.sender_id)
        return None
    context = Context(
        store=unit_of_work,
        now=now,
        conversation_id=tracker.sender_id,
        channel=channel_of(input_channel),
        customer=customer,
        client=str(metadata.get("client") or tracker.sender_id),
    )
    return respond(DialogueState.from_dict(tracker.get_slot(STATE_SLOT)), turn, context)
