"""The shop's own people (agents, marketers, admins), their sessions, and what the console records.

Customers' data rights live here too: the audit log, and suppressions that keep an erased
customer from coming back with a later import.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, str_enum


class StaffRole(enum.StrEnum):
    AGENT = "agent"  # takes chats from the queue
    MARKETER = "marketer"  # configures triggers, reads results; never reads transcripts
    ADMIN = "admin"  # users, roles, data rights; may do what agents do


class Availability(enum.StrEnum):
    """Whether an agent takes chats now: the bot's wait estimate counts the available ones."""

    AVAILABLE = "available"
    AWAY = "away"


class CaseEventKind(enum.StrEnum):
    NOTE = "note"  # internal: never shown to the customer
    TAKEN = "taken"
    TRANSFERRED = "transferred"
    HANDED_BACK = "handed_back"
    CLOSED = "closed"
    UNANSWERED = "unanswered"  # the customer was told nobody could take the chat yet
    REPLIED = "replied"  # an agent wrote to the customer (the text is in the transcript, not here)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, "staff_role"))
    # argon2id, with its parameters in the hash string (argon2-cffi's format).
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    availability: Mapped[Availability] = mapped_column(str_enum(Availability, "availability"))
    availability_at: Mapped[datetime | None]
    # Login throttling lives in the store, so a restart or a second worker does not reset it.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]


class StaffSession(Base):
    """A server-side login session; the cookie carries a random id, the table only its hash."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


# The actor of case events the bot or the scheduler writes, not a person.
SYSTEM_ACTOR = "system"


class CaseEvent(Base):
    """What happened to a handoff in the console: notes, takes, transfers, hand-backs, closes."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_cases.id", ondelete="CASCADE"))
    kind: Mapped[CaseEventKind] = mapped_column(str_enum(CaseEventKind, "case_event_kind"))
    actor: Mapped[str] = mapped_column(String(254))  # staff email, or "system"
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class ChatRating(Base):
    """The customer's 1-5 rating of a chat a person handled, asked when the agent closes it."""

    __tablename__ = "chat_ratings"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_cases.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    agent: Mapped[str | None] = mapped_column(String(254))
    rating: Mapped[int]
    rated_at: Mapped[datetime]


class AuditEntry(Base):
    """Who changed what, when, from what to what. Customers appear only under a keyed hash once erased."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject_at", "subject", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(160))
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON


class Suppression(Base):
    """An identifier of an erased customer, as an HMAC: importers and seeds skip whoever matches."""

    __tablename__ = "suppressions"

    value_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "ref", "email", "phone", "telegram"
    created_at: Mapped[datetime]
