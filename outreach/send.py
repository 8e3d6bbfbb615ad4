"""`send()`: one message the shop sends first, into the customer's conversation on one channel.

- The conversation comes from the stored link: `web:<customer ref>` on the website, the linked
  (and reachable) Telegram chat on Telegram; never from where the customer last wrote.
- A conversation paused for a person gets nothing.
- The message's context (why it was sent, what it offers) is stored before Rasa is asked, so the
  `EXTERNAL_...` turn carries only its key and the dialogue shows the stored text.
- Delivered means a bot message was recorded after the external event, not an HTTP 200.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm.db import make_engine
from crm.models import Channel
from crm.services.channel_links import reachable_chat
from crm.services.conversations import forget_proactive, remember_proactive
from crm.services.customers import CustomerView, customer_by_ref, customer_view
from crm.settings import Settings, load_settings
from crm.uow import UnitOfWork
from outreach.rasa_api import RasaApi, RasaApiError

EXTERNAL_PREFIX = "EXTERNAL_"
OUTPUT_CHANNELS = {Channel.WEB: "socketio", Channel.TELEGRAM: "telegram"}


class Delivery(enum.StrEnum):
    DELIVERED = "delivered"
    NOT_SHOWN = "not_shown"  # Rasa took it but no bot message followed (e.g. the context was gone)
    PAUSED = "paused"  # a person has the conversation
    NO_CHANNEL = "no_channel"  # no linked, reachable chat on that channel
    UNREACHABLE = "unreachable"  # the channel refused it for good (the customer blocked the bot)
    UNKNOWN_CUSTOMER = "unknown_customer"
    FAILED = "failed"  # Rasa or the channel failed: worth another try later


@dataclass(frozen=True)
class SendResult:
    status: Delivery
    conversation_id: str | None = None
    detail: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is Delivery.DELIVERED


class Outreach:
    def __init__(self, store: Callable[[], UnitOfWork], rasa: RasaApi, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._rasa = rasa
        self._now = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> Outreach:
        if not settings.rasa_auth_token:
            raise RuntimeError("no Rasa API token: set RASA_AUTH_TOKEN (make run writes var/rasa-auth-token)")
        engine = make_engine(settings.database_url)
        return cls(
            lambda: UnitOfWork.for_engine(engine),
            RasaApi(settings.rasa_url, settings.rasa_auth_token),
            settings.now,
        )

    def send(
        self, customer: str | int, channel: Channel, intent: str, entities: Mapping[str, Any], key: str
    ) -> SendResult:
        """Sends `intent` (an `EXTERNAL_<kind>` intent) to `customer` (reference or id) on `channel`.

        `entities` are the message's facts, stored as its context: `message` (the text shown)
        and whatever its answers need (`product_id`, `quantity`, `order`, `serial`, ...). `key`
        is the message's idempotency key; Rasa receives only the key.
        """
        if not intent.startswith(EXTERNAL_PREFIX):
            raise ValueError(f"{intent!r} is not a message the shop sends first (EXTERNAL_...)")
        found = self._customer(customer)
        if found is None:
            return SendResult(Delivery.UNKNOWN_CUSTOMER, detail=str(customer))
        conversation_id = self._conversation(found, channel)
        if conversation_id is None:
            return SendResult(Delivery.NO_CHANNEL, detail=f"no reachable {channel.value} chat")
        try:
            if self._rasa.tracker(conversation_id).get("paused"):
                return SendResult(Delivery.PAUSED, conversation_id)
        except RasaApiError as error:
            return SendResult(Delivery.FAILED, conversation_id, str(error))
        now = self._now()
        context = {
            **entities,
            "key": key,
            "kind": intent.removeprefix(EXTERNAL_PREFIX),
            "customer_id": found.id,
        }
        remember_proactive(self._store(), conversation_id, found.id, context, now)
        try:
            answer = self._rasa.trigger_intent(
                conversation_id, intent, {"key": key}, OUTPUT_CHANNELS[channel]
            )
        except RasaApiError as error:
            # Nothing was shown: a later session must not restore a question nobody saw.
            forget_proactive(self._store(), conversation_id, now)
            status = Delivery.UNREACHABLE if "blocked" in str(error) else Delivery.FAILED
            return SendResult(status, conversation_id, str(error))
        if shown_after_external(answer.get("tracker") or {}, intent):
            return SendResult(Delivery.DELIVERED, conversation_id)
        forget_proactive(self._store(), conversation_id, now)
        return SendResult(Delivery.NOT_SHOWN, conversation_id, "no bot message followed the event")

    def _customer(self, customer: str | int) -> CustomerView | None:
        if isinstance(customer, int):
            with self._store() as uow:
                row = uow.customers.by_id(customer)
                return customer_view(row) if row else None
        return customer_by_ref(self._store(), customer)

    def _conversation(self, customer: CustomerView, channel: Channel) -> str | None:
        if channel is Channel.WEB:
            return f"web:{customer.external_ref}"
        if channel is Channel.TELEGRAM:
            chat = reachable_chat(self._store(), customer.id, Channel.TELEGRAM)
            return f"tg:{chat}" if chat else None
        return None  # email is no chat: the proactive engine sends those itself


def shown_after_external(tracker: Mapping[str, Any], intent: str) -> bool:
    """True when a bot message follows the latest external `intent` event of the tracker."""
    events = list(tracker.get("events") or [])
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") != "user" or not (event.get("metadata") or {}).get("is_external"):
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != intent:
            continue
        return any(later.get("event") == "bot" for later in events[index + 1 :])
    return False


def send(
    customer: str | int, channel: Channel, intent: str, entities: Mapping[str, Any], key: str
) -> SendResult:
    """`Outreach.send` with the configured store and Rasa server (DATABASE_URL, RASA_*)."""
    return Outreach.from_settings(load_settings()).send(customer, channel, intent, entities, key)
