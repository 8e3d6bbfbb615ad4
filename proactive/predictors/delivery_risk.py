"""Parcels that are late: shipped, not delivered, and past the day they were expected.

"Expected" is the chat's own rule (`crm.services.delivery.latest_arrival`: the promise, else the
slowest transit time for the destination), and "today" is the customer's local date, as in the
chat. Statuses come from the order's event history as it stood at `as_of`, so a replay of a past
day sees the parcels that were late then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select

from crm.models import Customer, Order, OrderStatus, OrderStatusEvent
from crm.services.delivery import latest_arrival
from crm.uow import UnitOfWork
from proactive.predictors.base import Candidate, aware, day_text, start_of
from proactive.timing import zone

# Statuses after which a parcel is no longer on its way.
ENDED = (OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED)
# Late by more than this: a case or a lost-parcel claim is the channel, not an apology.
MAX_LATE_DAYS = 21


def candidates(
    uow: UnitOfWork,
    as_of: datetime,
    *,
    horizon_days: int = 0,
    max_late_days: int = MAX_LATE_DAYS,
) -> list[Candidate]:
    """Orders shipped by `as_of`, not delivered (or ended) by then, whose expected day has passed.

    `horizon_days` > 0 also finds parcels that will be late that many days ahead (unused by the
    demo triggers: apologising before the promise is broken would be premature).
    """
    shipped = (
        select(OrderStatusEvent.order_id, func.max(OrderStatusEvent.occurred_at).label("shipped_at"))
        .where(OrderStatusEvent.status == OrderStatus.SHIPPED, OrderStatusEvent.occurred_at <= as_of)
        .group_by(OrderStatusEvent.order_id)
        .subquery()
    )
    ended = exists().where(
        and_(
            OrderStatusEvent.order_id == Order.id,
            OrderStatusEvent.status.in_(ENDED),
            OrderStatusEvent.occurred_at <= as_of,
        )
    )
    rows = uow.session.execute(
        select(
            Order.id,
            Order.customer_id,
            Order.number,
            Order.ship_country,
            Order.promised_delivery_on,
            Order.carrier,
            Order.tracking_number,
            shipped.c.shipped_at,
            Customer.time_zone,
        )
        .join(shipped, shipped.c.order_id == Order.id)
        .join(Customer, Customer.id == Order.customer_id)
        .where(~ended)
        .order_by(Order.id)
    ).all()
    notes = _latest_notes(uow, [row[0] for row in rows], as_of)
    found: list[Candidate] = []
    for order_id, customer_id, number, country, promised, carrier, tracking, shipped_at, tz in rows:
        shipped_on = aware(shipped_at).date()
        latest = latest_arrival(country, shipped_on, promised)
        today = as_of.astimezone(zone(tz)).date()
        days_late = (today + timedelta(days=horizon_days) - latest).days
        if not 1 <= days_late <= max_late_days + horizon_days:
            continue
        status = f"on its way with {carrier}" if carrier else "on its way"
        found.append(
            Candidate(
                customer_id=customer_id,
                subject=f"order:{number}",
                due_at=start_of(latest + timedelta(days=1)),
                confidence=round(min(1.0, 0.6 + 0.1 * days_late), 3),
                facts={
                    "order": number,
                    "carrier": carrier,
                    "tracking": tracking,
                    "status": status,
                    # The carrier's last word, or at least when it left us (never an empty gap).
                    "last_update": notes.get(order_id) or f"shipped on {day_text(shipped_on)}",
                    "shipped_on": shipped_on.isoformat(),
                    "expected_date": latest.isoformat(),
                    "expected_day": day_text(latest),
                    "due_date": latest.isoformat(),
                    "due_day": day_text(latest),
                    "days_late": max(1, (today - latest).days),
                },
            )
        )
    return found


def _latest_notes(uow: UnitOfWork, order_ids: list[int], as_of: datetime) -> dict[int, str]:
    """The newest recorded note per order up to `as_of` ("Handed to DPD"): the real status."""
    notes: dict[int, str] = {}
    for start in range(0, len(order_ids), 900):
        rows = uow.session.execute(
            select(OrderStatusEvent.order_id, OrderStatusEvent.note)
            .where(
                OrderStatusEvent.order_id.in_(order_ids[start : start + 900]),
                OrderStatusEvent.occurred_at <= as_of,
                OrderStatusEvent.note.is_not(None),
            )
            .order_by(OrderStatusEvent.order_id, OrderStatusEvent.occurred_at, OrderStatusEvent.id)
        )
        for order_id, note in rows:
            notes[order_id] = note or ""  # oldest first, so the newest stays
    return notes
