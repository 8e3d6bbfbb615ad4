"""When "remind me later" is: the time the customer named, on their own clock, a week when none."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dialogue.later import later_from, remind_at

# Friday 20 Nov 2026, 12:00 UTC.
FRIDAY_NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("words", "local"),
    [
        ("remind me next week", "2026-11-27 10:00"),
        ("remind me later", "2026-11-27 10:00"),  # nothing named: a week
        ("in 3 days", "2026-11-23 10:00"),
        ("in three days please", "2026-11-23 10:00"),
        ("in a couple of days", "2026-11-22 10:00"),
        ("in two weeks", "2026-12-04 10:00"),
        ("tomorrow", "2026-11-21 10:00"),
        ("day after tomorrow", "2026-11-22 10:00"),
        ("on monday", "2026-11-23 10:00"),
        ("friday", "2026-11-27 10:00"),  # said on a Friday: next week's
        ("next month", "2026-12-20 10:00"),
        ("this weekend", "2026-11-21 10:00"),
        ("in 2 hours", "2026-11-20 14:00"),
    ],
)
def test_the_time_named_is_read_in_the_customers_zone(words: str, local: str) -> None:
    at = remind_at(words, FRIDAY_NOON, LONDON)

    assert at.tzinfo is not None and at > FRIDAY_NOON
    assert at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") == local


def test_a_reminder_across_the_dst_change_keeps_the_local_morning() -> None:
    before_change = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # Berlin moves to CEST on 29 March

    at = remind_at("next week", before_change, BERLIN)

    assert at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") == "2026-04-03 10:00"
    assert at.hour == 8  # 10:00 CEST is 08:00 UTC, not the 09:00 of the week before


def test_the_local_day_decides_what_tomorrow_is() -> None:
    late_in_tokyo = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # already Saturday 01:00 there

    at = remind_at("tomorrow", late_in_tokyo, ZoneInfo("Asia/Tokyo"))

    assert at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%a %H:%M") == "Sun 10:00"


@pytest.mark.parametrize("words", ["yes please", "not now", "what did the sun do", "in 0 days"])
def test_no_time_named(words: str) -> None:
    assert later_from(words, FRIDAY_NOON) is None
