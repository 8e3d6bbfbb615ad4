"""What a service can refuse, in terms a caller can turn into a reply."""

from __future__ import annotations


class UnknownCustomer(LookupError):
    """No linked customer for this channel identity (they can identify themselves first)."""


class OrderNotFound(LookupError):
    """No such order for this customer. Deliberately the same for "someone else's order"."""
