"""How the pump reaches a customer on each channel, and how it asks a channel whether a message
already arrived (after a crash between the send and the commit)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from crm.models import Channel
from crm.uow import UnitOfWork
from outreach.rasa_api import RasaApi
from outreach.send import Outreach, SendResult, conversation_of


@dataclass(frozen=True)
class Outgoing:
    """One claimed outbox row, as the channels need it."""

    id: int
    key: str
    customer_id: int
    intent: str
    context: dict[str, Any]

    @classmethod
    def of(cls, row_id: int, key: str, customer_id: int, intent: str, context: str) -> Outgoing:
        try:
            facts = json.loads(context or "{}")
        except ValueError as error:
            raise ValueError(f"outbox row {key}: its context is not JSON ({error})") from error
        if not isinstance(facts, dict):
            raise ValueError(f"outbox row {key}: its context is not a JSON object")
        return cls(row_id, key, customer_id, intent, facts)


class ChannelSender(Protocol):
    def address(self, uow: UnitOfWork, message: Outgoing, channel: Channel) -> str | None:
        """Where the message would go (a conversation id, a mail address), or None: nowhere.

        Read in the caller's open unit of work: the pump's, with the gate and the row's note.
        """
        ...

    def send(self, message: Outgoing, channel: Channel, address: str | None = None) -> SendResult:
        """Sends the message; to `address` when the caller found (and noted) it, else where the
        channel finds the customer."""
        ...

    def already_delivered(self, message: Outgoing, address: str) -> bool | None:
        """Whether the channel has the message already: True, False, or None (it cannot tell)."""
        ...


class ChatSender:
    """The website and Telegram, through Rasa (`outreach.send`); the tracker is the proof."""

    def __init__(self, outreach: Outreach, rasa: RasaApi) -> None:
        self._outreach = outreach
        self._rasa = rasa

    def address(self, uow: UnitOfWork, message: Outgoing, channel: Channel) -> str | None:
        customer = uow.customers.by_id(message.customer_id)
        return conversation_of(uow, customer.id, customer.external_ref, channel) if customer else None

    def send(self, message: Outgoing, channel: Channel, address: str | None = None) -> SendResult:
        if address is None:
            return self._outreach.send(
                message.customer_id, channel, message.intent, message.context, message.key
            )
        return self._outreach.send_to(
            address, message.customer_id, channel, message.intent, message.context, message.key
        )

    def already_delivered(self, message: Outgoing, address: str) -> bool | None:
        # Rasa unreachable raises (RasaApiError): the pump retries later rather than send blind.
        return external_event_with_key(self._rasa.tracker(address), message.key)


def external_event_with_key(tracker: Mapping[str, Any], key: str) -> bool:
    """True when the conversation shows the message with `key`: its external event, then a bot message.

    Rasa stores `trigger_intent` as a user turn flagged `is_external` whose entities are the ones
    sent (`outreach.send` sends exactly one, the key). An event with no bot message after it was
    never shown (`Delivery.NOT_SHOWN`): sending again is right then.
    """
    events = list(tracker.get("events") or [])
    for index, event in enumerate(events):
        if event.get("event") != "user" or not (event.get("metadata") or {}).get("is_external"):
            continue
        entities = (event.get("parse_data") or {}).get("entities") or []
        if any(e.get("entity") == "key" and e.get("value") == key for e in entities):
            for later in events[index + 1 :]:
                if later.get("event") == "bot":
                    return True
                if later.get("event") == "user":
                    break
    return False
