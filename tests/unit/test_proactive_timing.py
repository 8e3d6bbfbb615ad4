"""Quiet hours and sending windows in the customer's own zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
    "UTC",
)
spans = st.builds(
    Span,
    st.builds(time, st.integers(0, 23), st.sampled_from((0, 30))),
    st.builds(time, st.integers(0, 23), st.sampled_from((0, 30))),
)


def _allowed_by_hand(moment: datetime, zone: str, quiet: Span | None, window: Span) -> bool:
    """The rule written out again, minute by minute, without the module's search."""
    local = moment.astimezone(ZoneInfo(zone)).time()

    def inside(span: Span) -> bool:
        if span.start == span.end:
            return True
        if span.start < span.end:
            return span.start <= local < span.end
        return local >= span.start or local < span.end

    return not (quiet is not None and quiet.start != quiet.end and inside(quiet)) and inside(window)


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    # Three weeks from each start: every DST change of these zones in 2026 (gaps and repeats).
    start=st.sampled_from((utc(2026, 3, 5), utc(2026, 3, 20), utc(2026, 9, 20), utc(2026, 10, 20))),
    offset=st.integers(0, 60 * 24 * 21),
    quiet=st.none() | spans,
    window=spans,
)
def test_next_allowed_is_the_first_allowed_minute(
    zone: str, start: datetime, offset: int, quiet: Span | None, window: Span
) -> None:
    moment = start + timedelta(minutes=offset)
    found = next_allowed(moment, zone, quiet, window)
    horizon = found if found is not None else moment + timedelta(days=2)
    probe = moment
    while probe < horizon:
        assert not _allowed_by_hand(probe, zone, quiet, window), f"{probe} was allowed before {found}"
        probe += timedelta(minutes=1)
    if found is not None:
        assert _allowed_by_hand(found, zone, quiet, window)


@pytest.mark.parametrize(
    ("zone", "change"),
    [
        ("Europe/Berlin", utc(2026, 3, 29, 1)),  # gap 02:00-03:00
        ("Europe/Berlin", utc(2026, 10, 25, 1)),  # 02:00-03:00 twice
        ("America/New_York", utc(2026, 3, 8, 7)),
        ("Pacific/Auckland", utc(2026, 9, 26, 14)),  # gap 02:00-03:00
        ("Australia/Lord_Howe", utc(2026, 10, 3, 15, 30)),  # a half-hour gap 02:00-02:30
    ],
)
def test_every_window_opening_around_a_clock_change_is_found_exactly(zone: str, change: datetime) -> None:
    openings = [time(hour, minute) for hour in range(0, 5) for minute in (0, 15, 30, 45)]
    for opening in openings:
        window = Span(opening, time(6, 0))
        moment = change - timedelta(hours=4)
        found = next_allowed(moment, zone, None, window)
        assert found is not None
        probe = moment
        while probe < found:
            assert not _allowed_by_hand(probe, zone, None, window), (opening, probe, found)
            probe += timedelta(minutes=1)
        assert _allowed_by_hand(found, zone, None, window), (opening, found)
