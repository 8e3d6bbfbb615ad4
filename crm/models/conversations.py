"""What a conversation must remember beyond Rasa's one-hour session, and identification attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, str_enum
from crm.models.enums import IdentificationKey


class ConversationContext(Base):
    """The proactive message a customer may answer hours later, per conversation.

    Rasa starts a new session after an hour of silence; `action_session_start` reads this row so
    that "yes" to yesterday's refill reminder still means yes to that reminder.
    """

    __tablename__ = "conversation_contexts"

    conversation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    # JSON written by the dialogue (trigger, reason, offered product, idempotency key).
    proactive: Mapped[str | None] = mapped_column(Text)
    proactive_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class IdentificationAttempt(Base):
    """One try at "order number + email" in chat, counted per email, order and client.

    Values are stored hashed: the table exists to slow down guessing, not to keep addresses.
    """

    __tablename__ = "identification_attempts"
    __table_args__ = (Index("ix_identification_attempts_key", "key", "value_hash", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[IdentificationKey] = mapped_column(str_enum(IdentificationKey, "identification_key"))
    value_hash: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]
    attempted_at: Mapped[datetime]
