"""Linking a chat to a customer account, and knowing where a customer can still be reached.

Telegram tells us a chat id, never who the person is. The storefront gives its logged-in
customer a one-time code inside the deep link `t.me/<bot>?start=<code>`; the chat that sends
the code back is that customer's. Codes are random, expire, work once, and are stored hashed.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm.models import Channel, ChannelIdentity, LinkCode, LinkState
from crm.services.customers import CustomerView, customer_view
from crm.uow import UnitOfWork

LINK_CODE_TTL = timedelta(minutes=30)
# Telegram's start parameter allows 1-64 characters of A-Z a-z 0-9 _ -; token_urlsafe(24)
# gives 32 of them (192 random bits).
_CODE_BYTES = 24


class LinkProblem(enum.StrEnum):
    UNKNOWN = "unknown"  # never issued, already used, or mistyped: deliberately one answer
    EXPIRED = "expired"


@dataclass(frozen=True)
class LinkResult:
    customer: CustomerView | None
    problem: LinkProblem | None = None
    # The chat was already linked to this customer (the link was sent twice).
    already: bool = False


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_link_code(
    uow: UnitOfWork, customer_id: int, channel: Channel, now: datetime, ttl: timedelta = LINK_CODE_TTL
) -> str:
    """A fresh code for `customer_id`; earlier unused codes of theirs for `channel` stop working."""
    code = secrets.token_urlsafe(_CODE_BYTES)
    with uow:
        for old in uow.customers.unused_link_codes(customer_id, channel):
            uow.customers.delete_link_code(old)
        uow.customers.add_link_code(
            LinkCode(
                code_hash=_hash(code),
                customer_id=customer_id,
                channel=channel,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        uow.commit()
    return code


def redeem_link_code(
    uow: UnitOfWork, channel: Channel, code: str, external_id: str, now: datetime
) -> LinkResult:
    """Links `external_id` (a chat) to the customer the code was issued to, once.

    The chat's earlier link (to anyone) is replaced, and the customer's other chats on this
    channel are revoked: messages the shop sends first go to one chat only.
    """
    with uow:
        issued = uow.customers.link_code(_hash(code))
        if issued is None or issued.channel != channel or issued.used_at is not None:
            return LinkResult(None, LinkProblem.UNKNOWN)
        if issued.expires_at <= now:
            return LinkResult(None, LinkProblem.EXPIRED)
        issued.used_at, issued.used_by = now, external_id
        customer = uow.customers.by_id(issued.customer_id)
        assert customer is not None  # the code's foreign key cascades on delete
        identity = uow.customers.identity(channel, external_id)
        already = (
            identity is not None
            and identity.customer_id == customer.id
            and identity.link_state is LinkState.LINKED
        )
        for other in uow.customers.identities_of(customer.id, channel):
            if other is not identity and other.link_state is LinkState.LINKED:
                other.link_state = LinkState.REVOKED
        if identity is None:
            identity = ChannelIdentity(customer_id=customer.id, channel=channel, external_id=external_id)
            uow.customers.add_identity(identity)
        identity.customer_id = customer.id
        identity.link_state = LinkState.LINKED
        identity.linked_at = now
        identity.unreachable_at = None
        uow.commit()
        return LinkResult(customer_view(customer), already=already)


def mark_unreachable(uow: UnitOfWork, channel: Channel, external_id: str, now: datetime) -> bool:
    """The channel refused this chat for good (the bot was blocked); True if a linked chat was marked."""
    with uow:
        identity = uow.customers.identity(channel, external_id)
        if identity is None or identity.link_state is not LinkState.LINKED:
            return False
        if identity.unreachable_at is None:
            identity.unreachable_at = now
            uow.commit()
        return True


def mark_reachable(uow: UnitOfWork, channel: Channel, external_id: str) -> bool:
    """The customer wrote from this chat again: it can receive messages. True if it was unreachable."""
    with uow:
        identity = uow.customers.identity(channel, external_id)
        if identity is None or identity.unreachable_at is None:
            return False
        identity.unreachable_at = None
        uow.commit()
        return True


def reachable_chat(uow: UnitOfWork, customer_id: int, channel: Channel) -> str | None:
    """The linked chat on `channel` that messages for `customer_id` go to, or None (none, or unreachable)."""
    with uow:
        return reachable_chat_in(uow, customer_id, channel)


def reachable_chat_in(uow: UnitOfWork, customer_id: int, channel: Channel) -> str | None:
    """`reachable_chat` inside the caller's open unit of work (the pump's, with its other reads)."""
    for identity in uow.customers.identities_of(customer_id, channel):
        if identity.link_state is LinkState.LINKED:
            return identity.external_id if identity.unreachable_at is None else None
    return None
