"""A planned message's facts and text brought up to the moment it is shown.

The planner renders the text when it plans. A message that waits before it is shown ("remind me
next week" plans it again; quiet hours and the throttle hold it) would otherwise say "you last
ordered them 23 days ago" a week late. Counts of days are advanced by the whole days passed since
the facts were taken (`facts_as_of`, written by the planner and carried over by a snooze), and
the trigger's template is rendered again from them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from proactive.triggers import TriggerError, render

# Facts that count days up to the moment they were taken: they grow by one every day.
DAY_COUNTS = ("days_since", "days_late")
FACTS_AS_OF = "facts_as_of"
DAY = timedelta(days=1)


def facts_taken_at(context: Mapping[str, Any], fallback: datetime) -> datetime:
    """When the context's facts were taken: its `facts_as_of`, else `fallback` (the row's creation)."""
    stamp = context.get(FACTS_AS_OF)
    if isinstance(stamp, str):
        try:
            taken = datetime.fromisoformat(stamp)
        except ValueError:
            return fallback
        if taken.tzinfo is not None:
            return taken
    return fallback


def freshened(
    context: Mapping[str, Any],
    template: str | None,
    taken_at: datetime,
    now: datetime,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """`context` as of `now`: day counts advanced, the text rendered again from `template`.

    `names` are the customer's `name` and `first_name` for the template (the context does not
    keep them).

    Nothing changes within a day of `taken_at`. Without a template (a test send, a deleted
    trigger) or when the template no longer renders from these facts, the counts are advanced but
    the text cannot be, so it is left out of date rather than made up.
    """
    fresh = dict(context)
    passed = round((now - taken_at) / DAY)
    if passed < 1:
        return fresh
    for name in DAY_COUNTS:
        value = fresh.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            fresh[name] = value + passed
    fresh[FACTS_AS_OF] = now.isoformat()
    if template:
        with contextlib.suppress(TriggerError):  # the old text rather than none
            fresh["message"] = render(template, {**fresh, **(names or {})})
    return fresh
