"""A month named as "later": the first of that month, in the customer's own calendar."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialogue.later import later_from

FRIDAY_20_NOV = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("words", "days"),
    [
        ("not this month try me in december", 11),
        ("ask again in early january", 42),
        ("after march", 101),
        ("in november", 346),  # this month already: next year's
    ],
)
def test_a_named_month_is_its_first_day(words: str, days: int) -> None:
    assert later_from(words, FRIDAY_20_NOV) == (days, "days")


def test_may_the_verb_is_no_month() -> None:
    assert later_from("may i ask later", FRIDAY_20_NOV) is None
