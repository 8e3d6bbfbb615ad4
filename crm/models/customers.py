"""Customers, how to reach them, and what they allowed."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, str_enum
from crm.models.enums import Channel, ConsentPurpose, ConsentSource, LinkState, MessageStyle


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The shop's own reference ("C000123", "OR-12346" for imported ones): stable across imports.
    external_ref: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    time_zone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. "Europe/Berlin"
    language: Mapped[str] = mapped_column(String(8))  # BCP 47 primary tag, e.g. "de"
    country: Mapped[str] = mapped_column(String(64))
    city: Mapped[str | None] = mapped_column(String(80))
    postcode: Mapped[str | None] = mapped_column(String(20))
    street: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime]

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="customer")
    preferences: Mapped[CommunicationPreferences | None] = relationship(back_populates="customer")


class ChannelIdentity(Base):
    """Who a sender on a channel is: a Telegram chat id or a web customer id."""

    __tablename__ = "channel_identities"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_channel_identities_channel_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    external_id: Mapped[str] = mapped_column(String(128))
    link_state: Mapped[LinkState] = mapped_column(str_enum(LinkState, "link_state"))
    linked_at: Mapped[datetime | None]
    # Set when the channel refused a message for good (Telegram: the customer blocked the bot);
    # nothing is sent there until the customer writes from it again.
    unreachable_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(back_populates="identities")


class LinkCode(Base):
    """A one-time code that links a chat to the customer who asked for it (Telegram's deep link).

    The storefront shows the code to the logged-in customer inside `t.me/<bot>?start=<code>`;
    whoever sends it from a chat proves they saw that page. Only its hash is stored.
    """

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The chat that redeemed it.
    used_by: Mapped[str | None] = mapped_column(String(128))


class Consent(Base):
    """One consent decision; the newest row per customer, purpose and channel is in force.

    Rows are never updated, so the history answers "who allowed what, when, and how".
    """

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_lookup", "customer_id", "purpose", "channel", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, "consent_purpose"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    granted: Mapped[bool]
    recorded_at: Mapped[datetime]
    source: Mapped[ConsentSource] = mapped_column(str_enum(ConsentSource, "consent_source"))


class CommunicationPreferences(Base):
    __tablename__ = "communication_preferences"
    __table_args__ = (CheckConstraint("max_proactive_per_week >= 0", name="max_per_week_not_negative"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    preferred_channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    # Local wall-clock times in the customer's time zone; start > end means "over midnight".
    quiet_hours_start: Mapped[time | None]
    quiet_hours_end: Mapped[time | None]
    max_proactive_per_week: Mapped[int]
    message_style: Mapped[MessageStyle] = mapped_column(str_enum(MessageStyle, "message_style"))

    customer: Mapped[Customer] = relationship(back_populates="preferences")
