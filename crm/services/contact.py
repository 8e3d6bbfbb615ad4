"""How to reach the shop's people, and when they answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# When people answer: weekday -> (opens, closes), in the support team's time zone.
SUPPORT_TIME_ZONE = ZoneInfo("Europe/London")
SUPPORT_HOURS: dict[int, tuple[time, time]] = {
    0: (time(8), time(20)),
    1: (time(8), time(20)),
    2: (time(8), time(20)),
    3: (time(8), time(20)),
    4: (time(8), time(20)),
    5: (time(9), time(17)),
}
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class ContactDetails:
    phone: str
    email: str
    postal_address: str


# The demo shop's own details (reserved fiction numbers and domains).
SHOP_CONTACT = ContactDetails(
    phone="+44 20 7946 0321",
    email="support@example-shop.com",
    postal_address="Example Shop, Customer Care, Lagerstrasse 12, 20457 Hamburg, Germany",
)


@dataclass(frozen=True)
class SupportWait:
    open_now: bool
    # The next time the team starts answering, in the team's zone; None while open.
    next_opening: datetime | None


def opening_hours_text() -> str:
    """ "Mon-Fri 08:00-20:00, Sat 09:00-17:00 (UK time); closed on Sundays"."""
    groups: list[tuple[list[int], tuple[time, time]]] = []
    for day in sorted(SUPPORT_HOURS):
        hours = SUPPORT_HOURS[day]
        if groups and groups[-1][1] == hours and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], hours))
    parts = []
    for days, (opens, closes) in groups:
        span = _DAY_NAMES[days[0]] + (f"-{_DAY_NAMES[days[-1]]}" if len(days) > 1 else "")
        parts.append(f"{span} {opens:%H:%M}-{closes:%H:%M}")
    closed = [_DAY_NAMES[day] for day in range(7) if day not in SUPPORT_HOURS]
    text = ", ".join(parts) + " (UK time)"
    return text + (f"; closed on {', '.join(closed)}" if closed else "")


def support_wait(now: datetime) -> SupportWait:
    """Whether a person answers now, and if not, when the team is next in."""
    local = now.astimezone(SUPPORT_TIME_ZONE)
    hours = SUPPORT_HOURS.get(local.weekday())
    if hours and hours[0] <= local.time() < hours[1]:
        return SupportWait(open_now=True, next_opening=None)
    for days_ahead in range(8):
        day = local.date() + timedelta(days=days_ahead)
        hours = SUPPORT_HOURS.get(day.weekday())
        if hours is None:
            continue
        opening = datetime.combine(day, hours[0], tzinfo=SUPPORT_TIME_ZONE)
        if opening > local:
            return SupportWait(open_now=False, next_opening=opening)
    raise AssertionError("SUPPORT_HOURS has no opening in a week")  # pragma: no cover
