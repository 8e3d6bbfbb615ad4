"""Quiet hours and sending windows in the customer's own zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from proactive.timing import Blocked, Span, blocked_by, next_allowed

NIGHT = Span(time(22, 0), time(7, 0))
EVENING_QUIET = Span(time(21, 0), time(8, 0))
ALL_DAY = Span(time(0, 0), time(0, 0))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "quiet", "window", "expected"),
    [
        # Berlin springs forward on 29 March 2026 (02:00 CET -> 03:00 CEST): 07:00 local is 05:00 UTC.
        ("Europe/Berlin", utc(2026, 3, 28, 23, 0), NIGHT, ALL_DAY, utc(2026, 3, 29, 5, 0)),
        (
            "Europe/Berlin",
            utc(2026, 3, 28, 23, 0),
            NIGHT,
            Span(time(8, 0), time(20, 0)),
            utc(2026, 3, 29, 6, 0),
        ),
        # ... and falls back on 25 October 2026: 07:00 local is 06:00 UTC again.
        ("Europe/Berlin", utc(2026, 10, 24, 21, 0), NIGHT, ALL_DAY, utc(2026, 10, 25, 6, 0)),
        # New York springs forward on 8 March 2026: 08:00 EDT is 12:00 UTC (EST would say 13:00).
        ("America/New_York", utc(2026, 3, 8, 5, 0), EVENING_QUIET, ALL_DAY, utc(2026, 3, 8, 12, 0)),
        ("America/New_York", utc(2026, 11, 1, 4, 0), EVENING_QUIET, ALL_DAY, utc(2026, 11, 1, 13, 0)),
        # Kolkata: half-hour offset, no DST.
        ("Asia/Kolkata", utc(2026, 6, 1, 16, 0), EVENING_QUIET, ALL_DAY, utc(2026, 6, 2, 2, 30)),
        # Auckland falls back on 5 April 2026 (03:00 NZDT -> 02:00 NZST): 07:00 NZST is 19:00 UTC.
        ("Pacific/Auckland", utc(2026, 4, 4, 10, 0), NIGHT, ALL_DAY, utc(2026, 4, 4, 19, 0)),
        # ... and springs forward on 27 September 2026: 07:00 NZDT is 18:00 UTC the day before.
        ("Pacific/Auckland", utc(2026, 9, 26, 10, 0), NIGHT, ALL_DAY, utc(2026, 9, 26, 18, 0)),
    ],
)
def test_the_next_allowed_instant_is_the_local_end_of_quiet_hours(
    zone: str, now: datetime, quiet: Span, window: Span, expected: datetime
) -> None:
    assert blocked_by(now, zone, quiet, window) is Blocked.QUIET_HOURS
    assert next_allowed(now, zone, quiet, window) == expected
    assert blocked_by(expected, zone, quiet, window) is None


def test_a_window_opening_inside_the_spring_forward_gap_opens_at_the_transition() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026; the clock reads 03:00 at 01:00 UTC.
    window = Span(time(2, 30), time(5, 0))
    now = utc(2026, 3, 28, 23, 0)
    assert blocked_by(now, "Europe/Berlin", None, window) is Blocked.OUTSIDE_WINDOW
    assert next_allowed(now, "Europe/Berlin", None, window) == utc(2026, 3, 29, 1, 0)


def test_both_passes_through_the_repeated_hour_are_quiet() -> None:
    quiet = Span(time(2, 0), time(3, 0))
    # 02:30 happens twice in Berlin on 25 October 2026: at 00:30 UTC (CEST) and 01:30 UTC (CET).
    assert blocked_by(utc(2026, 10, 25, 0, 30), "Europe/Berlin", quiet, ALL_DAY) is Blocked.QUIET_HOURS
    assert blocked_by(utc(2026, 10, 25, 1, 30), "Europe/Berlin", quiet, ALL_DAY) is Blocked.QUIET_HOURS
    assert next_allowed(utc(2026, 10, 25, 0, 30), "Europe/Berlin", quiet, ALL_DAY) == utc(2026, 10, 25, 2, 0)


def test_quiet_hours_over_midnight_and_windows() -> None:
    assert NIGHT.contains(time(23, 30)) and NIGHT.contains(time(6, 59)) and not NIGHT.contains(time(7, 0))
    assert Span(time(9, 0), time(17, 0)).contains(time(9, 0)) and not Span(time(9, 0), time(17, 0)).contains(
        time(17, 0)
    )
    assert ALL_DAY.contains(time(3, 0))
    # Outside the window in the evening: tomorrow's opening, local time.
    window = Span(time(9, 0), time(20, 0))
    assert blocked_by(utc(2026, 7, 1, 18, 30), "Europe/Berlin", None, window) is Blocked.OUTSIDE_WINDOW
    assert next_allowed(utc(2026, 7, 1, 18, 30), "Europe/Berlin", None, window) == utc(2026, 7, 2, 7, 0)


def test_an_allowed_instant_is_its_own_answer_and_a_closed_day_has_none() -> None:
    now = utc(2026, 7, 1, 10, 0)
    assert next_allowed(now, "Europe/Berlin", NIGHT, ALL_DAY) == now
    # Quiet hours covering the whole window: never.
    assert (
        next_allowed(now, "Europe/Berlin", Span(time(8, 0), time(21, 0)), Span(time(9, 0), time(20, 0)))
        is None
    )


def test_an_unknown_zone_is_treated_as_utc_not_dropped() -> None:
    assert blocked_by(utc(2026, 7, 1, 23, 0), "Mars/Olympus", NIGHT, ALL_DAY) is Blocked.QUIET_HOURS
