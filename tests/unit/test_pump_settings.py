"""The pump's switches read from the environment fail loudly when mistyped."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from proactive.outbox import Backoff
from proactive.pump import CrashPoint, crash_point_from_env


def test_the_crash_point_is_one_of_the_three_or_nothing() -> None:
    assert crash_point_from_env({}) is None
    assert crash_point_from_env({"PROACTIVE_CRASH_AT": "mid_batch"}) is CrashPoint.MID_BATCH
    with pytest.raises(ValueError, match="after_claim, after_send, mid_batch"):
        crash_point_from_env({"PROACTIVE_CRASH_AT": "after-send"})


def test_the_backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half() -> None:
    backoff = Backoff(base=timedelta(seconds=30), cap=timedelta(minutes=10))
    rng = random.Random(1)

    delays = [backoff.delay(attempt, rng) for attempt in range(1, 9) for _ in range(50)]

    for attempt in range(1, 9):
        ceiling = min(timedelta(minutes=10), timedelta(seconds=30) * 2 ** (attempt - 1))
        mine = delays[(attempt - 1) * 50 : attempt * 50]
        assert all(ceiling / 2 <= d <= ceiling for d in mine)
        assert len(set(mine)) > 40  # spread: rows that failed together do not retry together
