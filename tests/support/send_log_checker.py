"""An independent check of a proactive send log: consent, quiet hours, windows, the cap, complaints.

Written from the rules as the product states them, with nothing but the standard library: it
must not import the engine's policy or timing code, so a bug there cannot hide itself here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class ConsentEvent:
    recorded_at: datetime
    purpose: str  # "service" | "marketing"
    channel: str  # "web" | "telegram" | "email"
    granted: bool


@dataclass(frozen=True)
class Rules:
    """One customer as the checker sees them."""

    zone: str
    quiet: tuple[time, time] | None
    max_per_week: int
    consents: list[ConsentEvent]  # in the order they were recorded
    complaints: list[tuple[datetime, datetime | None]] = field(default_factory=list)  # open, closed
    linked: frozenset[str] = frozenset()  # chat channels with a linked identity


@dataclass(frozen=True)
class Sent:
    customer_id: int
    at: datetime
    channel: str
    category: str
    window: tuple[time, time]  # the trigger's local sending window
    subject: str = ""  # what it was about ("product:12")
    cooldown_days: int = 0  # the trigger's cooldown: no other message about the subject within it


def _inside(moment: time, start: time, end: time) -> bool:
    """Whether a local time is in the daily span [start, end); over midnight when start > end."""
    if start == end:
        return True
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def consent_in_force(events: list[ConsentEvent], purpose: str, channel: str, at: datetime) -> bool:
    """The newest decision recorded up to `at` (the later record on a tie); never asked: not granted."""
    newest: ConsentEvent | None = None
    for event in events:
        if event.purpose != purpose or event.channel != channel or event.recorded_at > at:
            continue
        if newest is None or event.recorded_at >= newest.recorded_at:
            newest = event
    return newest is not None and newest.granted


def violations(
    log: list[Sent],
    customers: dict[int, Rules],
    global_cap: int,
    stopped: list[tuple[datetime, datetime]] | None = None,
) -> list[str]:
    """Every broken rule in `log` (in send order), as readable lines; empty when all is well.

    `stopped` lists the spans [from, until) during which the kill switch was on.
    """
    found: list[str] = []
    earlier: dict[int, list[datetime]] = {}
    subjects: dict[tuple[int, str], datetime] = {}
    for entry in log:
        rules = customers[entry.customer_id]
        where = (
            f"customer {entry.customer_id} at {entry.at.isoformat()} via {entry.channel} ({entry.category})"
        )
        if any(start <= entry.at < end for start, end in stopped or []):
            found.append(f"sent while the kill switch was on: {where}")
        previous = subjects.get((entry.customer_id, entry.subject))
        if (
            entry.subject
            and previous is not None
            and entry.at - previous < timedelta(days=entry.cooldown_days)
        ):
            found.append(f"{entry.subject} again {entry.at - previous} after the last message: {where}")
        subjects[(entry.customer_id, entry.subject)] = entry.at
        if not consent_in_force(rules.consents, entry.category, entry.channel, entry.at):
            found.append(f"no {entry.category} consent on {entry.channel}: {where}")
        if entry.channel in ("web", "telegram") and entry.channel not in rules.linked:
            found.append(f"no linked {entry.channel} identity: {where}")
        local = entry.at.astimezone(ZoneInfo(rules.zone)).time()
        if rules.quiet is not None and rules.quiet[0] != rules.quiet[1] and _inside(local, *rules.quiet):
            found.append(f"in quiet hours {rules.quiet} (local {local}): {where}")
        if not _inside(local, *entry.window):
            found.append(f"outside the window {entry.window} (local {local}): {where}")
        before = [at for at in earlier.get(entry.customer_id, []) if entry.at - WEEK < at <= entry.at]
        if entry.category == "marketing":
            limit = min(rules.max_per_week, global_cap)
            if len(before) >= limit:
                found.append(f"cap {limit} used up ({len(before)} in 7 days): {where}")
            if any(
                opened <= entry.at and (closed is None or closed > entry.at)
                for opened, closed in rules.complaints
            ):
                found.append(f"marketing during an open complaint: {where}")
        earlier.setdefault(entry.customer_id, []).append(entry.at)
    return found
