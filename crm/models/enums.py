"""The closed vocabularies of the store."""

from __future__ import annotations

import enum


class Channel(enum.StrEnum):
    """Where a customer can be reached by the assistant."""

    WEB = "web"
    TELEGRAM = "telegram"
    EMAIL = "email"


class LinkState(enum.StrEnum):
    """Whether a channel identity is proven to belong to the customer."""

    PENDING = "pending"  # claimed in chat, not yet verified
    LINKED = "linked"
    REVOKED = "revoked"


class ConsentPurpose(enum.StrEnum):
    SERVICE = "service"  # messages about the customer's own orders, devices, cases
    MARKETING = "marketing"


class ConsentSource(enum.StrEnum):
    SIGNUP = "signup"
    CHAT = "chat"
    CONSOLE = "console"
    IMPORT = "import"


class MessageStyle(enum.StrEnum):
    SHORT = "short"
    DETAILED = "detailed"


class ProductKind(enum.StrEnum):
    DEVICE = "device"
    CONSUMABLE = "consumable"
    SERVICE = "service"
    OTHER = "other"


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"


class CaseKind(enum.StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    HANDOFF = "handoff"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    WAITING_AGENT = "waiting_agent"
    CLOSED = "closed"
