"""Proving who a chat visitor is (order number + email), linking the chat, and account facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm.models import Channel, ChannelIdentity, LinkState
from crm.services.customers import CustomerView, customer_view
from crm.uow import UnitOfWork


@dataclass(frozen=True)
class AccountView:
    first_name: str
    masked_email: str | None
    linked_channels: tuple[Channel, ...]


def normalise_order_number(number: str) -> str:
    return number.strip().lstrip("#").strip()


def mask_email(email: str) -> str:
    """ "emma.clarke@example.com" -> "e…@example.com": enough to recognise, not to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def details_match(uow: UnitOfWork, order_number: str, email: str) -> bool:
    """Whether an order with this number exists AND belongs to the customer with this email.

    Deliberately one yes/no: the caller must not learn which of the two was wrong.
    """
    with uow:
        return uow.customers.by_order_and_email(normalise_order_number(order_number), email) is not None


def link_identity(
    uow: UnitOfWork, order_number: str, email: str, channel: Channel, external_id: str, now: datetime
) -> CustomerView | None:
    """Links the sender to the customer the details prove, or returns None when they don't match.

    A sender already linked to someone else is moved: knowing the order number and email is
    the same proof either way (this is also how "switch account" works).
    """
    with uow:
        customer = uow.customers.by_order_and_email(normalise_order_number(order_number), email)
        if customer is None:
            return None
        identity = uow.customers.identity(channel, external_id)
        if identity is None:
            identity = ChannelIdentity(channel=channel, external_id=external_id)
            uow.customers.add_identity(identity)
        identity.customer_id = customer.id
        identity.link_state = LinkState.LINKED
        identity.linked_at = now
        view = customer_view(customer)
        uow.commit()
        return view


def account_overview(uow: UnitOfWork, customer_id: int) -> AccountView:
    with uow:
        customer = uow.customers.by_id(customer_id)
        if customer is None:
            raise LookupError(f"customer {customer_id} does not exist")
        channels = uow.customers.linked_channels(customer_id)
        return AccountView(
            first_name=customer_view(customer).first_name,
            masked_email=mask_email(customer.email) if customer.email else None,
            linked_channels=tuple(sorted(channels)),
        )
