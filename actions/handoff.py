"""Handing a conversation to a person: a waiting case the agents see, then Rasa pauses."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import support
from actions.identity import channel_of, current_customer
from actions.store import unit_of_work
from crm.db import StoreError
from crm.services.cases import SUPPORT_TIME_ZONE, SupportWait, request_handoff, support_wait

log = logging.getLogger(__name__)


class ActionRequestHuman(Action):
    """Queues the chat for an agent and pauses the bot, so the agent's replies are not talked over.

    A visitor we cannot identify is handed over too, with a case that has no customer, so the
    agents' queue shows every waiting chat.
    """

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        now = support.utc_now()
        wait = support_wait(now)
        try:
            uow = unit_of_work()
            customer = current_customer(uow, tracker)
            reason = tracker.latest_message.get("text") or ""
            case = request_handoff(
                uow,
                customer.id if customer else None,
                tracker.sender_id,
                channel_of(tracker),
                now,
                reason=reason,
            )
        except StoreError:
            # Without a case no agent would find the chat: say so instead of pausing into silence.
            log.exception("handoff not queued for sender %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_store_unavailable")
            return []
        zone = ZoneInfo(customer.time_zone) if customer else SUPPORT_TIME_ZONE
        kind = "handoff" if customer else "handoff_visitor"
        state = "open" if wait.open_now else "closed"
        dispatcher.utter_message(
            response=f"utter_{kind}_{state}",
            case_number=case.number,
            minutes=wait.typical_reply_minutes,
            opening=opening_phrase(wait, zone, known=customer is not None),
        )
        # Last, so that everything above is stored before the bot falls silent.
        return [support.followup(None), ConversationPaused()]


def opening_phrase(wait: SupportWait, zone: ZoneInfo, *, known: bool) -> str | None:
    if wait.next_opening is None:
        return None
    local = wait.next_opening.astimezone(zone)
    return local.strftime("%a %-d %b, %H:%M") + (" your time" if known else " UK time")
