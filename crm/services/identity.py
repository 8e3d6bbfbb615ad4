"""Proving in chat that an order is yours (order number + email), and account facts.

Identification in chat unlocks that one order for the conversation; it never links the chat
to the account and never allows account changes (that takes a login or a Telegram link).
Attempts are counted in the store per email, per order number and per client, so a new
conversation gets no fresh tries, and a wrong pair never says which half was wrong.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm.models import Channel, IdentificationAttempt, IdentificationKey
from crm.services.customers import CustomerView, customer_view
from crm.services.orders import normalise_number
from crm.uow import UnitOfWork

# At most this many failed attempts per email, order number or client in the window.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
# Orders numbered like the old shop system's (six digits, C for credit notes) carry no email.
_LEGACY_NUMBER_LENGTH = 6


class IdentificationOutcome(enum.StrEnum):
    MATCHED = "matched"
    NO_MATCH = "no_match"  # the pair does not match (which half, we never say)
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NO_EMAIL_ON_FILE = "no_email_on_file"  # old-system order numbers: nothing to check against


@dataclass(frozen=True)
class Identification:
    outcome: IdentificationOutcome
    customer: CustomerView | None = None
    order_number: str | None = None
    # When more attempts are allowed again (TOO_MANY_ATTEMPTS).
    retry_after: datetime | None = None


@dataclass(frozen=True)
class AccountView:
    first_name: str
    masked_email: str | None
    linked_channels: tuple[Channel, ...]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def mask_email(email: str) -> str:
    """ "emma.clarke@example.com" -> "e…@example.com": enough to recognise, not to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def is_legacy_order_number(number: str) -> bool:
    digits = normalise_number(number).lstrip("C")
    return digits.isdigit() and len(digits) == _LEGACY_NUMBER_LENGTH


def identify_by_order(
    uow: UnitOfWork, order_number: str, email: str, client: str, now: datetime
) -> Identification:
    """Checks an order number and email as one pair, within the attempt limits.

    Every attempt is recorded; a blocked one is not checked at all, so guessing stays slow
    however many conversations the guesser opens.
    """
    number, address = normalise_number(order_number), normalise_email(email)
    keys = {
        IdentificationKey.EMAIL: _digest(address),
        IdentificationKey.ORDER: _digest(number),
        IdentificationKey.CLIENT: _digest(client),
    }
    with uow:
        since = now - FAILURE_WINDOW
        if any(
            uow.conversations.failures_since(key, value, since) >= MAX_FAILURES for key, value in keys.items()
        ):
            return Identification(IdentificationOutcome.TOO_MANY_ATTEMPTS, retry_after=now + FAILURE_WINDOW)
        order = uow.orders.by_number(number)
        customer = uow.customers.by_id(order.customer_id) if order and order.customer_id else None
        matched = customer is not None and (customer.email or "").lower() == address
        for key, value in keys.items():
            uow.conversations.add_attempt(
                IdentificationAttempt(key=key, value_hash=value, succeeded=matched, attempted_at=now)
            )
        uow.commit()
        if matched and customer is not None and order is not None:
            return Identification(IdentificationOutcome.MATCHED, customer_view(customer), order.number)
    if is_legacy_order_number(number):
        return Identification(IdentificationOutcome.NO_EMAIL_ON_FILE)
    return Identification(IdentificationOutcome.NO_MATCH)


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


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
