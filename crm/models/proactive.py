"""The proactive engine's data: triggers (data, not code), the outbox, and every decision it made."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, str_enum
from crm.models.enums import Channel, ConsentPurpose, OutboxState, Predictor, ProactiveAnswer, TriggerStatus


class Trigger(Base):
    """One kind of message the shop sends first, as a marketer configures it."""

    __tablename__ = "triggers"
    __table_args__ = (
        CheckConstraint("holdout_percent BETWEEN 0 AND 90", name="holdout_percent_range"),
        CheckConstraint("cooldown_days >= 0", name="cooldown_not_negative"),
        CheckConstraint("lead_days >= 0", name="lead_days_not_negative"),
        CheckConstraint("every_minutes > 0", name="every_minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    predictor: Mapped[Predictor] = mapped_column(str_enum(Predictor, "predictor"))
    # JSON object of audience filters (countries, min_orders, product_ids, ...); "{}" is everyone
    # the predictor finds.
    audience: Mapped[str] = mapped_column(Text, default="{}")
    # Text with {placeholders} the predictor fills; it must say why the customer gets it.
    template: Mapped[str] = mapped_column(Text)
    category: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, "consent_purpose"))
    # Comma-separated channels in order of preference; "preferred" stands for the customer's own.
    channels: Mapped[str] = mapped_column(String(80), default="preferred,telegram,web,email")
    # Local wall-clock times in the customer's time zone; start > end means "over midnight".
    window_start: Mapped[time]
    window_end: Mapped[time]
    holdout_percent: Mapped[int] = mapped_column(default=10)
    # At most this many sends per hour for the trigger (NULL: no throttle).
    throttle_per_hour: Mapped[int | None]
    # After a "no", nothing from this trigger for this many days.
    cooldown_days: Mapped[int] = mapped_column(default=30)
    # How many days before the predicted date the message goes out.
    lead_days: Mapped[int] = mapped_column(default=3)
    # How often the scheduler runs the trigger's scoring pass.
    every_minutes: Mapped[int] = mapped_column(default=60)
    status: Mapped[TriggerStatus] = mapped_column(str_enum(TriggerStatus, "trigger_status"))
    # Why it was paused (by a person, or automatically), for the console's flag.
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    """One intended proactive message. Rows are the truth: a crash loses nothing, sends nothing twice."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "state", "not_before"),
        Index("ix_outbox_messages_customer_sent", "customer_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # `trigger:customer:occasion`: planning the same occasion twice finds the existing row.
    key: Mapped[str] = mapped_column(String(160), unique=True)
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    category: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, "consent_purpose"))
    # What the message is about (product or device), so two triggers never send the same thing.
    subject: Mapped[str] = mapped_column(String(80))
    intent: Mapped[str] = mapped_column(String(80))  # EXTERNAL_<kind>
    # JSON: the rendered text (`message`) and the facts its answers need (product_id, order, ...).
    context: Mapped[str] = mapped_column(Text)
    state: Mapped[OutboxState] = mapped_column(str_enum(OutboxState, "outbox_state"))
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel, "channel"))  # where it went
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    answer: Mapped[ProactiveAnswer | None] = mapped_column(str_enum(ProactiveAnswer, "proactive_answer"))
    answered_at: Mapped[datetime | None]


class ProactiveDecision(Base):
    """Every decision to send or not, with its reason: the audit trail and the replay's truth."""

    __tablename__ = "proactive_decisions"
    __table_args__ = (
        Index("ix_proactive_decisions_trigger_at", "trigger_id", "decided_at"),
        Index("ix_proactive_decisions_customer_at", "customer_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id", ondelete="SET NULL"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    key: Mapped[str | None] = mapped_column(String(160))
    stage: Mapped[str] = mapped_column(String(10))  # "plan" or "send"
    allowed: Mapped[bool]
    # A closed vocabulary kept in code (`proactive.policy.Reason`), so adding one needs no migration.
    reason: Mapped[str] = mapped_column(String(40))
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel, "channel"))
    detail: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime]


class ProactiveSwitch(Base):
    """Named on/off switches of the engine; `kill` stops every proactive send at once."""

    __tablename__ = "proactive_switches"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    on: Mapped[bool]
    changed_at: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(80))
