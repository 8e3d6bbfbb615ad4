"""How customers want to hear from us: channel, quiet hours, frequency, consent."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import support
from actions.base import for_customer
from crm.models import Channel
from crm.services.customers import CustomerView
from crm.services.preferences import (
    message_less_often,
    parse_quiet_hours,
    set_marketing_consent,
    set_preferred_channel,
    set_quiet_hours,
)
from crm.uow import UnitOfWork

log = logging.getLogger(__name__)

CHANNEL_WORDS = {
    "web": Channel.WEB,
    "website": Channel.WEB,
    "chat": Channel.WEB,
    "here": Channel.WEB,
    "telegram": Channel.TELEGRAM,
    "email": Channel.EMAIL,
    "e-mail": Channel.EMAIL,
    "mail": Channel.EMAIL,
}
CHANNEL_NAMES = {Channel.WEB: "this website chat", Channel.TELEGRAM: "Telegram", Channel.EMAIL: "email"}


def quiet_hours_in(message: dict[str, Any]) -> tuple[time, time] | None:
    """Quiet hours from the message's two `time` entities, else from its text.

    The entities catch what the text parser cannot read: "from 10 in the evening to 7 in the
    morning" arrives from the NLU service as "22:00" and "07:00"; the regex's "10pm" parses too.
    """
    times = sorted(
        (e for e in message.get("entities") or [] if e.get("entity") == "time"),
        key=lambda e: e.get("start", 0),
    )
    if len(times) == 2:
        hours = parse_quiet_hours(f"{times[0].get('value')} to {times[1].get('value')}")
        if hours is not None:
            return hours
    return parse_quiet_hours(message.get("text") or "")


class _PreferenceAction(Action, ABC):
    """Changes a preference of an identified customer; visitors are asked to identify first."""

    @abstractmethod
    def name(self) -> str:
        """Abstract, so rasa-sdk does not register this base class as an action."""

    @abstractmethod
    def handle(
        self, uow: UnitOfWork, customer: CustomerView, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        """Makes the change and tells the customer; returns the events."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: self.handle(uow, customer, dispatcher, tracker),
            log=log,
            failure="preferences unavailable for sender %s",
            visitor=[{"response": "utter_preferences_visitor"}],
        )
        return [] if found is None else found[1]


class ActionSetPreferredChannel(_PreferenceAction):
    def name(self) -> str:
        return "action_set_preferred_channel"

    def handle(
        self, uow: UnitOfWork, customer: CustomerView, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        word = str(next(tracker.get_latest_entity_values("channel"), "") or "").lower()
        channel = CHANNEL_WORDS.get(word)
        if channel is None:
            dispatcher.utter_message(response="utter_ask_channel")
            return []
        view = set_preferred_channel(uow, customer.id, channel)
        response = "utter_channel_set" if view.channel_reachable else "utter_channel_set_unlinked"
        dispatcher.utter_message(response=response, channel=CHANNEL_NAMES[channel])
        return []


class ActionSetQuietHours(_PreferenceAction):
    def name(self) -> str:
        return "action_set_quiet_hours"

    def handle(
        self, uow: UnitOfWork, customer: CustomerView, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        hours = quiet_hours_in(tracker.latest_message)
        if hours is None:
            dispatcher.utter_message(response="utter_ask_quiet_hours")
            return []
        start, end = hours
        set_quiet_hours(uow, customer.id, start, end)
        dispatcher.utter_message(
            response="utter_quiet_hours_set",
            start=start.strftime("%H:%M"),
            end=end.strftime("%H:%M"),
            time_zone=customer.time_zone,
        )
        return []


class ActionMessageLessOften(_PreferenceAction):
    def name(self) -> str:
        return "action_message_less_often"

    def handle(
        self, uow: UnitOfWork, customer: CustomerView, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        change = message_less_often(uow, customer.id)
        response = "utter_less_often" if change.changed else "utter_less_often_minimum"
        dispatcher.utter_message(response=response, per_week=change.after, before=change.before)
        return []


class _SetMarketing(_PreferenceAction):
    """Appends one consent row per channel (purpose marketing, source chat)."""

    granted: bool
    response: str

    def handle(
        self, uow: UnitOfWork, customer: CustomerView, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        set_marketing_consent(uow, customer.id, self.granted, support.utc_now())
        dispatcher.utter_message(response=self.response)
        return [support.followup(None)]


class ActionStopMessages(_SetMarketing):
    granted = False
    response = "utter_messages_stopped"

    def name(self) -> str:
        return "action_stop_messages"


class ActionResumeMessages(_SetMarketing):
    granted = True
    response = "utter_messages_resumed"

    def name(self) -> str:
        return "action_resume_messages"
