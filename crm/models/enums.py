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
    EMAIL = "email"  # the unsubscribe link in an email


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
    QUESTION = "question"  # a task for the team that needs no live chat (deletion, service visit)
    COMPLAINT = "complaint"
    HANDOFF = "handoff"  # a live chat waiting for, or with, a person
    RETURN = "return"
    DELIVERY = "delivery"  # shown as delivered, not received
    BILLING = "billing"  # double charges, invoice corrections


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    WAITING_AGENT = "waiting_agent"
    WITH_AGENT = "with_agent"  # a person took the chat: only now is the bot paused
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"  # the customer took it back (or undid it) before anyone acted


class HandoffReason(enum.StrEnum):
    """Why a chat waits for a person: agents see it first in their queue."""

    CUSTOMER_ASKED = "customer_asked"
    MISUNDERSTOOD = "misunderstood"  # the bot failed twice and offered a person
    COMPLAINT = "complaint"
    PROACTIVE = "proactive"  # an answer to a message the shop sent first
    LOW_RATING = "low_rating"
    IDENTIFICATION = "identification"  # could not prove who they are
    OTHER_LANGUAGE = "other_language"


class IdentificationKey(enum.StrEnum):
    """What in-chat identification attempts are counted against (rate limits)."""

    EMAIL = "email"
    ORDER = "order"
    CLIENT = "client"


class Predictor(enum.StrEnum):
    """What finds the customers a trigger is for (one module each under `proactive/predictors/`)."""

    REPLENISHMENT = "replenishment"  # a consumable is about to run out
    MAINTENANCE = "maintenance"  # a device is due for service
    DELIVERY_RISK = "delivery_risk"  # shipped, not delivered, past the expected date


class TriggerStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"


class OutboxState(enum.StrEnum):
    """A proactive message's life: planned, claimed by a pump, then sent, suppressed or failed."""

    PENDING = "pending"  # planned; sent once `not_before` has passed and the policy still allows it
    SENDING = "sending"  # claimed by a pump under a lease; after a crash it is checked before a retry
    SENT = "sent"
    SUPPRESSED = "suppressed"  # the policy said no at send time (the reason is in the decisions)
    FAILED = "failed"  # the channel kept failing, or refused for good


class ProactiveAnswer(enum.StrEnum):
    """How the customer answered a message the shop sent first."""

    ACCEPTED = "accepted"
    DECLINED = "declined"  # "no" / "not now": the trigger's cooldown starts
    SNOOZED = "snoozed"  # "remind me later": a new message is planned for later
    LESS_OFTEN = "less_often"
    OTHER_CHANNEL = "other_channel"
    OPTED_OUT = "opted_out"
