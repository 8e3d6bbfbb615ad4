"""Session starts that restore what must outlive them, and restarts that cannot wake a paused chat."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, FollowupAction, Restarted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.respond import STATE_SLOT
from actions.store import settings, unit_of_work
from crm.db import StoreError
from crm.services.conversations import proactive_context
from crm.services.handoff import queue_status
from dialogue.flows import proactive
from dialogue.state import DialogueState

log = logging.getLogger(__name__)


class ActionSessionStart(Action):
    """A new session (after an hour of silence) remembers the proactive message and the queue.

    The rest of the dialogue state starts afresh: a half-answered "are you sure?" from hours
    ago must not be confirmed by a "yes" meant for something else.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = await asyncio.to_thread(restored_state, tracker.sender_id)
        return [SessionStarted(), SlotSet(STATE_SLOT, state.to_dict()), ActionExecuted("action_listen")]


def restored_state(conversation_id: str) -> DialogueState:
    state = DialogueState()
    now = settings().now()
    try:
        context = proactive_context(unit_of_work(), conversation_id, now)
        if context is not None:
            proactive.restore(state, context)
        waiting = queue_status(unit_of_work(), conversation_id, now)
        if waiting is not None:
            state.handoff = waiting.case_number
    except StoreError:
        log.exception("session state not restored for conversation %s", conversation_id)
    return state


class ActionRestart(Action):
    """`/restart` resets the conversation, except while a person has it: then nothing happens."""

    def name(self) -> str:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.is_paused():
            # Rasa keeps predicting for a /restart even in a paused chat: end the turn here.
            return [FollowupAction("action_listen")]
        return [Restarted()]
