"""What every predictor returns: one customer who needs something, when, how sure, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, func

from crm.models import Order

# Predictors read the store in slices of this many ids (SQLite's bound-parameter limit is lower
# than PostgreSQL's; this suits both).
ID_CHUNK = 900


@dataclass(frozen=True)
class Candidate:
    customer_id: int
    # What the message is about, so two triggers never send the same thing: "product:12",
    # "device:CM100250100001", "order:1015213".
    subject: str
    due_at: datetime  # aware: when the need falls due (run-out, service date, promised day)
    confidence: float  # 0..1
    # The template's placeholders and the answers' context (product_id, serial, order, ...).
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.due_at.tzinfo is None:
            raise ValueError(f"due_at must be timezone-aware, got {self.due_at!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside 0..1")


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for UTC columns; the store's times are all UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def day_text(day: date) -> str:
    """A date as the messages say it: "Wednesday 18 November" (English, the assistant's language)."""
    return f"{day:%A} {day.day} {day:%B}"


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), UTC)


def chunks(ids: list[int], size: int = ID_CHUNK) -> list[list[int]]:
    return [ids[index : index + size] for index in range(0, len(ids), size)]


def order_epoch_days(dialect: str) -> ColumnElement[Any]:
    """`orders.placed_at` as days since the Unix epoch (UTC), in the database's own terms."""
    if dialect == "sqlite":
        # The store writes UTC wall-clock text; julianday reads it, 2440587.5 is 1970-01-01.
        return func.julianday(Order.placed_at) - 2440587.5
    if dialect == "postgresql":
        return func.extract("epoch", Order.placed_at) / 86400.0
    raise ValueError(f"no day number for the {dialect} dialect")
