"""Which devices are due for their service: the schedule's rule, and the warranty's end.

The next service is one interval after the last service (or the purchase), the same rule the chat
quotes (`crm.services.devices.next_service_on`). A warranty that ends before that date brings the
reminder forward: a check while repairs are still free is worth more to the customer.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from crm.models import Device, Product
from crm.services.devices import next_service_on
from crm.uow import UnitOfWork
from proactive.predictors.base import Candidate, day_text, start_of

# The warranty-driven reminder falls this many days before the warranty ends.
WARRANTY_MARGIN_DAYS = 30
# Overdue by more than this: the customer services it elsewhere, or not at all.
MAX_OVERDUE_DAYS = 60
# A schedule is a rule, not a guess; what is uncertain is whether the customer still uses it.
CONFIDENCE = 0.9


def due_on(
    purchased_on: date, last_service_on: date | None, interval_days: int, warranty_ends_on: date, as_of: date
) -> tuple[date, date, bool]:
    """(reminder day, scheduled service day, brought forward by the warranty) as seen on `as_of`.

    A service recorded after `as_of` is not known yet on that day (replays see the past as it was).
    """
    known_service = last_service_on if last_service_on and last_service_on <= as_of else None
    scheduled = next_service_on(purchased_on, known_service, interval_days)
    assert scheduled is not None  # interval_days > 0
    warranty_check = warranty_ends_on - timedelta(days=WARRANTY_MARGIN_DAYS)
    if as_of <= warranty_check < scheduled:
        return warranty_check, scheduled, True
    return scheduled, scheduled, False


def candidates(
    uow: UnitOfWork,
    as_of: datetime,
    *,
    horizon_days: int = 3,
    max_overdue_days: int = MAX_OVERDUE_DAYS,
) -> list[Candidate]:
    """Devices whose service falls due between `max_overdue_days` ago and `horizon_days` ahead."""
    today = as_of.date()
    rows = uow.session.execute(
        select(
            Device.customer_id,
            Device.serial,
            Device.purchased_on,
            Device.last_service_on,
            Device.warranty_ends_on,
            Product.id,
            Product.name,
            Product.service_interval_days,
        )
        .join(Product, Product.id == Device.product_id)
        .where(Product.service_interval_days.is_not(None), Device.purchased_on <= today)
        .order_by(Device.customer_id, Device.id)
    ).all()
    found: list[Candidate] = []
    for customer_id, serial, purchased, serviced, warranty_ends, product_id, name, interval in rows:
        if not interval:
            continue  # filtered in SQL
        due, scheduled, brought_forward = due_on(purchased, serviced, interval, warranty_ends, today)
        if not today - timedelta(days=max_overdue_days) <= due <= today + timedelta(days=horizon_days):
            continue
        known_service = serviced if serviced and serviced <= today else None
        base = known_service or purchased
        found.append(
            Candidate(
                customer_id=customer_id,
                subject=f"device:{serial}",
                due_at=start_of(due),
                confidence=CONFIDENCE,
                facts={
                    "serial": serial,
                    "product_id": product_id,
                    "product": name,
                    "device": name,
                    "days_since": (today - base).days,
                    "usual_days": interval,
                    "due_date": due.isoformat(),
                    "due_day": day_text(due),
                    "service_date": scheduled.isoformat(),
                    "last_service": known_service.isoformat() if known_service else None,
                    "since_what": "serviced" if known_service else "bought",
                    "warranty_ends": warranty_ends.isoformat(),
                    "warranty_end_day": day_text(warranty_ends),
                    "before_warranty_end": brought_forward,
                    # Reads on from "...every 365 days": why it comes a little early this time.
                    "warranty_note": (
                        f"; its warranty ends on {day_text(warranty_ends)}, so a check before then pays"
                        if brought_forward
                        else ""
                    ),
                },
            )
        )
    return found
