"""Day counts in a planned message's facts, advanced to the day it is shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from proactive.freshen import facts_taken_at, freshened

TAKEN = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TEMPLATE = "Hi {first_name}, your order {order} is {days_late} days late; you ordered {days_since} days ago."
CONTEXT = {"order": "1015", "days_late": 2, "days_since": 9, "message": "old", "key": "k"}
NAMES = {"name": "Ann Lee", "first_name": "Ann"}


def test_counts_grow_by_the_days_passed_and_the_text_is_rendered_again() -> None:
    fresh = freshened(CONTEXT, TEMPLATE, TAKEN, TAKEN + timedelta(days=3), NAMES)

    assert fresh["days_late"] == 5 and fresh["days_since"] == 12 and fresh["order"] == "1015"
    assert fresh["message"] == "Hi Ann, your order 1015 is 5 days late; you ordered 12 days ago."
    assert fresh["facts_as_of"] == (TAKEN + timedelta(days=3)).isoformat()
    assert "first_name" not in fresh  # the names only fill the template


def test_within_a_day_nothing_changes() -> None:
    assert freshened(CONTEXT, TEMPLATE, TAKEN, TAKEN + timedelta(hours=11), NAMES) == CONTEXT


def test_without_a_template_or_with_one_it_cannot_fill_the_text_stays_and_the_counts_move() -> None:
    no_template = freshened(CONTEXT, None, TAKEN, TAKEN + timedelta(days=2), NAMES)
    unfillable = freshened(CONTEXT, "{carrier} is late", TAKEN, TAKEN + timedelta(days=2), NAMES)

    assert no_template["message"] == "old" and no_template["days_late"] == 4
    assert unfillable["message"] == "old" and unfillable["days_since"] == 11


def test_the_stamp_is_read_when_it_is_a_time_with_its_zone() -> None:
    fallback = TAKEN - timedelta(days=1)

    assert facts_taken_at({"facts_as_of": TAKEN.isoformat()}, fallback) == TAKEN
    assert facts_taken_at({"facts_as_of": "2026-11-20T12:00:00"}, fallback) == fallback
    assert facts_taken_at({"facts_as_of": "yesterday"}, fallback) == fallback
    assert facts_taken_at({}, fallback) == fallback
