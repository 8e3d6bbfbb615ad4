"""The planner's throttle, with pointer jumps over full hours, against the former hour-by-hour walk.

The walk is kept here as the reference: same slots, same give-ups, for any sequence of requests
from customers in different time zones with different quiet hours.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from proactive.facts import CustomerFacts
from proactive.planner import HOUR, MAX_THROTTLE_HOURS, _hour, _Throttle
from proactive.timing import Span, next_allowed
from proactive.triggers import TriggerSpec
from tests.support.proactive import facts, trigger

NOW = datetime(2026, 3, 27, 6, 30, tzinfo=UTC)  # the weekend of Europe's spring-forward change
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC")


class _Walk:
    """The former throttle: every full hour passed over one by one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used: Counter[datetime] = Counter()

    def take(self, at: datetime, snapshot: CustomerFacts, spec: TriggerSpec) -> datetime | None:
        moment = at
        for _ in range(MAX_THROTTLE_HOURS):
            hour = _hour(moment)
            if self.used[hour] < self.limit:
                allowed = next_allowed(moment, snapshot.time_zone, snapshot.quiet_hours, spec.window)
                if allowed is None:
                    return None
                if _hour(allowed) == hour:
                    self.used[hour] += 1
                    return allowed
                moment = allowed
                continue
            moment = hour + HOUR
        return None


def _throttle(spec: TriggerSpec) -> _Throttle:
    # No trigger id: nothing to read from the store, so no unit of work is needed.
    return _Throttle(None, spec, NOW)  # type: ignore[arg-type]


requests = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=12 * 60),  # minutes after NOW: crowded hours
        st.sampled_from(ZONES),
        st.sampled_from([None, Span(time(21, 0), time(8, 0)), Span(time(12, 0), time(14, 0))]),
    ),
    max_size=250,
)


@settings(max_examples=80, deadline=None)
@given(limit=st.integers(min_value=1, max_value=4), asked=requests, release_every=st.integers(0, 7))
def test_the_pointer_jumps_give_the_walks_slots(
    limit: int, asked: list[tuple[int, str, Span | None]], release_every: int
) -> None:
    spec = trigger(id=None, throttle_per_hour=limit, window=Span(time(9, 0), time(20, 0)))
    fast, walk = _throttle(spec), _Walk(limit)
    for number, (minutes, zone, quiet) in enumerate(asked):
        snapshot = facts(number, time_zone=zone, quiet_hours=quiet)
        at = NOW + timedelta(minutes=minutes)
        slot = fast.take(at, snapshot, spec)
        assert slot == walk.take(at, snapshot, spec)
        if slot is not None and release_every and number % release_every == 0:
            fast.release(slot)  # as a template error does
            walk.used[_hour(slot)] -= 1


def test_a_full_day_is_passed_over_in_one_jump_and_the_budget_still_holds() -> None:
    spec = trigger(id=None, throttle_per_hour=1, window=Span(time(0, 0), time(0, 0)))
    snapshot = facts(quiet_hours=None, time_zone="UTC")
    throttle = _throttle(spec)
    slots = [throttle.take(NOW, snapshot, spec) for _ in range(MAX_THROTTLE_HOURS + 1)]
    assert slots[0] == NOW
    assert slots[1] == _hour(NOW) + HOUR
    assert slots[MAX_THROTTLE_HOURS - 1] == _hour(NOW) + (MAX_THROTTLE_HOURS - 1) * HOUR
    assert slots[MAX_THROTTLE_HOURS] is None  # 72 full hours: the former walk's give-up too


def test_crowded_hours_give_up_where_the_walk_gave_up() -> None:
    # Eleven allowed hours a day, one message an hour: after some 70 requests the budget of
    # 72 steps (full hours and jumps over the night) runs out, for the walk and the jumps alike.
    spec = trigger(id=None, throttle_per_hour=1, window=Span(time(9, 0), time(20, 0)))
    fast, walk = _throttle(spec), _Walk(1)
    slots = []
    for number in range(120):
        snapshot = facts(
            number, time_zone=ZONES[number % len(ZONES)], quiet_hours=Span(time(21, 0), time(8, 0))
        )
        at = NOW + timedelta(minutes=20 * (number // 3))  # three alike: the failed-search memo answers
        slot = fast.take(at, snapshot, spec)
        assert slot == walk.take(at, snapshot, spec), number
        slots.append(slot)
    assert None in slots and any(slot is not None for slot in slots[60:])
