"""What customers tell us: reviews, and support cases (complaints among them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, str_enum
from crm.models.enums import CaseKind, CaseStatus, Channel, HandoffReason


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    rating: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class SupportCase(Base):
    __tablename__ = "support_cases"
    __table_args__ = (Index("ix_support_cases_customer_status", "customer_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # what the customer quotes
    # NULL for a visitor who asked for a person before identifying: agents still see the chat.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    # The product the case is about (the crushed capsules, not the descaler in the same order).
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, "case_kind"))
    topic: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, "case_status"))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # Where the customer is waiting: the Rasa sender id and its channel, so an agent can open
    # that very conversation (handoffs); empty for cases opened outside a chat.
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel, "channel"))
    # Handoffs: why the chat waits for a person, and who took it when.
    reason: Mapped[HandoffReason | None] = mapped_column(str_enum(HandoffReason, "handoff_reason"))
    taken_at: Mapped[datetime | None]
    taken_by: Mapped[str | None] = mapped_column(String(80))
