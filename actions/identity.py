"""Who is writing: only what a server issued and verifies counts.

- A chat token in the message metadata (the website and the REST channel carry it), signed by
  the storefront and checked here on every turn;
- a Telegram chat linked to an account through the deep link (the Telegram channel verifies
  Telegram's secret header, so its sender ids are real chat ids).
Anything else, including a sender id that looks like a customer's, is an anonymous visitor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.chat_tokens import verify
from crm.models import Channel
from crm.services.customers import CustomerView, customer_by_ref, identify_customer
from crm.services.errors import UnknownCustomer
from crm.uow import UnitOfWork

TELEGRAM_PREFIX = "tg:"
_CHANNEL_BY_INPUT = {"rest": Channel.WEB, "socketio": Channel.WEB, "telegram": Channel.TELEGRAM}


def channel_of(input_channel: str | None) -> Channel:
    return _CHANNEL_BY_INPUT.get(input_channel or "", Channel.WEB)


def verified_customer(
    uow: UnitOfWork,
    input_channel: str | None,
    sender_id: str,
    metadata: dict[str, Any],
    secret: str | None,
    now: datetime,
) -> CustomerView | None:
    """The customer the server can vouch for in this turn, or None for a visitor."""
    if input_channel == "telegram":
        try:
            return identify_customer(uow, Channel.TELEGRAM, sender_id.removeprefix(TELEGRAM_PREFIX))
        except UnknownCustomer:
            return None
    subject = verify(metadata.get("chat_token"), secret, now)
    if subject is None:
        return None
    return customer_by_ref(uow, subject)
