"""When a message may reach a customer: quiet hours and sending windows in their own time zone.

Both are local wall-clock spans `[start, end)`; `start > end` runs over midnight. A window whose
start equals its end is open all day. Instants are aware datetimes; every check converts the
instant to the customer's zone first, so DST never shifts a quiet hour.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The engine never plans further ahead than this when looking for an allowed instant.
SEARCH_DAYS = 3


class Blocked(enum.StrEnum):
    QUIET_HOURS = "quiet_hours"
    OUTSIDE_WINDOW = "outside_window"


@dataclass(frozen=True)
class Span:
    """A daily local span `[start, end)`; over midnight when start > end; all day when equal."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; an unknown name falls back to UTC rather than losing the customer."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(moment: datetime, zone_name: str) -> time:
    return moment.astimezone(zone(zone_name)).time().replace(tzinfo=None)


def blocked_by(moment: datetime, zone_name: str, quiet: Span | None, window: Span) -> Blocked | None:
    """Why `moment` is not a time to write to this customer, or None when it is."""
    wall = local_time(moment, zone_name)
    if quiet is not None and quiet.start != quiet.end and quiet.contains(wall):
        return Blocked.QUIET_HOURS
    if not window.contains(wall):
        return Blocked.OUTSIDE_WINDOW
    return None


def next_allowed(moment: datetime, zone_name: str, quiet: Span | None, window: Span) -> datetime | None:
    """The first instant at or after `moment` outside quiet hours and inside the window.

    The allowed set is a union of local spans whose starts are the window's start or the end of
    the quiet hours, so the answer is `moment` itself or one of those starts on one of the next
    days. A start that does not exist locally (it falls in a spring-forward gap) begins at the
    transition. None when nothing is allowed within `SEARCH_DAYS` (quiet hours cover the window).
    """
    if blocked_by(moment, zone_name, quiet, window) is None:
        return moment
    tz = zone(zone_name)
    first_day = moment.astimezone(tz).date() - timedelta(days=1)
    starts = {window.start} | ({quiet.end} if quiet is not None else set())
    found: list[datetime] = []
    for offset in range(SEARCH_DAYS + 2):
        day = first_day + timedelta(days=offset)
        for start in starts:
            instant = _instant(day, start, tz)
            if instant > moment and blocked_by(instant, zone_name, quiet, window) is None:
                found.append(instant)
    return min(found) if found else None


def _instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The first instant whose local time on `day` is at or after `wall` (DST gaps: the transition)."""
    naive = datetime.combine(day, wall)
    early = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if early.astimezone(tz).replace(tzinfo=None) == naive:
        return early  # exists (for a repeated hour, fold=0 is the first of the two)
    # In a gap: fold=1 maps before the gap, fold=0 after it; the transition lies between.
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = early
    if low > high:
        low, high = high, low
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(second=0, microsecond=0) if high.second or high.microsecond else high
