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
from crm.services.channel_links import reachable_chat_in
from crm.services.conversations import forget_proactive, remember_proactive
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

    def close(self) -> None:
        self._rasa.close()

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
        _check_external(intent)
        with self._store() as uow:
            customers = uow.customers
            row = customers.by_id(customer) if isinstance(customer, int) else customers.by_ref(customer)
            if row is None:
                return SendResult(Delivery.UNKNOWN_CUSTOMER, detail=str(customer))
            conversation_id = conversation_of(uow, row.id, row.external_ref, channel)
            customer_id = row.id
        if conversation_id is None:
            return SendResult(Delivery.NO_CHANNEL, detail=f"no reachable {channel.value} chat")
        return self.send_to(conversation_id, customer_id, channel, intent, entities, key)

    def send_to(
        self,
        conversation_id: str,
        customer_id: int,
        channel: Channel,
        intent: str,
        entities: Mapping[str, Any],
        key: str,
    ) -> SendResult:
        """`send` into a conversation the caller has already found for `customer_id` (the pump
        looks it up with its other reads, `conversation_of`, and notes it before the send)."""
        _check_external(intent)
        now = self._now()
        context = {
            **entities,
            "key": key,
            "kind": intent.removeprefix(EXTERNAL_PREFIX),
            "customer_id": customer_id,
        }
        # Stored before Rasa is asked: the action server reads it while Rasa runs the event.
        remember_proactive(self._store(), conversation_id, customer_id, context, now)
        try:
            status = self._rasa.deliver(conversation_id, intent, {"key": key}, OUTPUT_CHANNELS[channel])
        except RasaApiError as error:
            status, detail = ("unreachable" if "blocked" in str(error) else "failed"), str(error)
        else:
            detail = "no bot message followed the event" if status == "not_shown" else ""
        if status == "shown":
            return SendResult(Delivery.DELIVERED, conversation_id)
        # Nothing was shown: a later session must not restore a question nobody saw.
        forget_proactive(self._store(), conversation_id, now)
        outcome = {
            "paused": Delivery.PAUSED,
            "not_shown": Delivery.NOT_SHOWN,
            "unreachable": Delivery.UNREACHABLE,
        }
        return SendResult(
            outcome.get(status, Delivery.FAILED), conversation_id, detail or f"Rasa answered {status!r}"
        )


# What bot/proactive_delivery.py answered (or the error made of it), when nothing was shown.
_OUTCOMES = {"paused": Delivery.PAUSED, "not_shown": Delivery.NOT_SHOWN, "unreachable": Delivery.UNREACHABLE}


def _check_external(intent: str) -> None:
    if not intent.startswith(EXTERNAL_PREFIX):
        raise ValueError(f"{intent!r} is not a message the shop sends first (EXTERNAL_...)")


def conversation_of(uow: UnitOfWork, customer_id: int, customer_ref: str, channel: Channel) -> str | None:
    """The customer's own conversation on `channel` (inside the caller's open unit of work), or None."""
    if channel is Channel.WEB:
        return f"web:{customer_ref}"
    if channel is Channel.TELEGRAM:
        chat = reachable_chat_in(uow, customer_id, Channel.TELEGRAM)
        return f"tg:{chat}" if chat else None
    return None  # email is no chat: the proactive engine sends those itself


def send(
    customer: str | int, channel: Channel, intent: str, entities: Mapping[str, Any], key: str
) -> SendResult:
    """`Outreach.send` with the configured store and Rasa server (DATABASE_URL, RASA_*)."""
    outreach = Outreach.from_settings(load_settings())
    try:
        return outreach.send(customer, channel, intent, entities, key)
    finally:
        outreach.close()
