"""The store's tables. Importing this package registers every table on `Base.metadata`."""

from crm.models.base import Base
from crm.models.catalog import Product
from crm.models.conversations import ConversationContext, IdentificationAttempt
from crm.models.customers import ChannelIdentity, CommunicationPreferences, Consent, Customer, LinkCode
from crm.models.enums import (
    CaseKind,
    CaseStatus,
    Channel,
    ConsentPurpose,
    ConsentSource,
    HandoffReason,
    IdentificationKey,
    LinkState,
    MessageStyle,
    OrderStatus,
    OutboxState,
    Predictor,
    ProactiveAnswer,
    ProductKind,
    TriggerStatus,
)
from crm.models.orders import Device, Invoice, Order, OrderLine, OrderStatusEvent
from crm.models.proactive import OutboxMessage, ProactiveDecision, ProactiveSwitch, Trigger
from crm.models.staff import (
    AuditEntry,
    Availability,
    CaseEvent,
    CaseEventKind,
    ChatRating,
    StaffRole,
    StaffSession,
    StaffUser,
    Suppression,
)
from crm.models.support import Review, SupportCase

__all__ = [
    "AuditEntry",
    "Availability",
    "Base",
    "CaseEvent",
    "CaseEventKind",
    "CaseKind",
    "CaseStatus",
    "Channel",
    "ChannelIdentity",
    "ChatRating",
    "CommunicationPreferences",
    "Consent",
    "ConsentPurpose",
    "ConsentSource",
    "ConversationContext",
    "Customer",
    "Device",
    "HandoffReason",
    "IdentificationAttempt",
    "IdentificationKey",
    "Invoice",
    "LinkCode",
    "LinkState",
    "MessageStyle",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OrderStatusEvent",
    "OutboxMessage",
    "OutboxState",
    "Predictor",
    "ProactiveAnswer",
    "ProactiveDecision",
    "ProactiveSwitch",
    "Product",
    "ProductKind",
    "Review",
    "StaffRole",
    "StaffSession",
    "StaffUser",
    "SupportCase",
    "Suppression",
    "Trigger",
    "TriggerStatus",
]
