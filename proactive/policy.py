"""Whether, where and when one proactive message may go: a pure function over a facts snapshot.

`decide` does no I/O and reads no clock: the planner calls it when it plans a message and the
gate (`proactive.gate`) calls it again when the pump is about to send, each with fresh facts.
The rules, in the order they are checked:

1. the kill switch stops everything; a paused or draft trigger sends nothing;
2. marketing never goes to the global control group; a trigger's holdout gets nothing from it;
3. a channel: the customer's preferred one first, then the trigger's order, skipping channels
   without consent for the category (service or marketing) and unreachable ones;
4. no marketing while a complaint is open or a handoff is waiting;
5. nothing about a subject another message covered within the trigger's cooldown (duplicate);
   nothing from a trigger within its cooldown after the customer said no to it;
6. one contact-pressure cap per customer over the rolling 7 x 24 h, the smaller of their own
   weekly maximum and the global cap: every proactive message uses it up, only marketing is
   blocked by it (a late parcel's apology still goes);
7. quiet hours and the trigger's sending window, in the customer's own zone: blocked only by
   time, the verdict carries `retry_at`, the next allowed instant.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm.models import Channel, ConsentPurpose, TriggerStatus
from proactive.assignment import in_control_group, in_holdout
from proactive.facts import CustomerFacts
from proactive.timing import Blocked, blocked_by, next_allowed
from proactive.triggers import PREFERRED, TriggerSpec
from proactive.verdict import Verdict

CAP_WINDOW = timedelta(days=7)


class Reason(enum.StrEnum):
    OK = "ok"
    KILL_SWITCH = "kill_switch"
    TRIGGER_PAUSED = "trigger_paused"
    CONTROL_GROUP = "control_group"
    HOLDOUT = "holdout"
    NO_CONSENT = "no_consent"
    NO_CHANNEL = "no_channel"
    QUIET_HOURS = "quiet_hours"
    OUTSIDE_WINDOW = "outside_window"
    CAP = "cap"
    COOLDOWN = "cooldown"
    COMPLAINT_OPEN = "complaint_open"
    HANDOFF_WAITING = "handoff_waiting"
    DUPLICATE = "duplicate"
    THROTTLE = "throttle"
    TEMPLATE_ERROR = "template_error"  # the facts lack a value the template needs


# Blocked only by the clock: the message waits instead of being dropped.
TIME_REASONS = frozenset({Reason.QUIET_HOURS, Reason.OUTSIDE_WINDOW, Reason.THROTTLE})


@dataclass(frozen=True)
class PolicySettings:
    weekly_cap: int = 3  # PROACTIVE_WEEKLY_CAP
    control_percent: float = 5.0  # PROACTIVE_CONTROL_PERCENT


def policy_settings(environ: Mapping[str, str] | None = None) -> PolicySettings:
    """Reads PROACTIVE_WEEKLY_CAP and PROACTIVE_CONTROL_PERCENT; a bad value is a clear error."""
    env = os.environ if environ is None else environ
    try:
        cap = int(env.get("PROACTIVE_WEEKLY_CAP", "3"))
        control = float(env.get("PROACTIVE_CONTROL_PERCENT", "5"))
    except ValueError as error:
        raise ValueError(f"PROACTIVE_WEEKLY_CAP / PROACTIVE_CONTROL_PERCENT: {error}") from error
    if cap < 0 or not 0 <= control <= 50:
        raise ValueError("PROACTIVE_WEEKLY_CAP must be >= 0 and PROACTIVE_CONTROL_PERCENT within 0..50")
    return PolicySettings(weekly_cap=cap, control_percent=control)


def decide(
    facts: CustomerFacts,
    trigger: TriggerSpec,
    now: datetime,
    settings: PolicySettings,
    *,
    subject: str,
    key: str | None = None,
) -> Verdict:
    """The verdict on sending `trigger`'s message about `subject` to this customer at `now`.

    `key` is the message's own idempotency key once it exists, so its own outbox row never
    counts as a duplicate or as a send against the cap.
    """
    if facts.kill_switch:
        return _no(Reason.KILL_SWITCH)
    if trigger.status is not TriggerStatus.ACTIVE:
        return _no(Reason.TRIGGER_PAUSED, f"trigger {trigger.name} is {trigger.status.value}")
    marketing = trigger.category is ConsentPurpose.MARKETING
    channel, missing = choose_channel(facts, trigger)
    if channel is None:
        return _no(missing)
    if marketing and facts.complaint_open:
        return _no(Reason.COMPLAINT_OPEN)
    if marketing and facts.handoff_waiting:
        return _no(Reason.HANDOFF_WAITING)
    # Held back only when the customer's own situation (consent, channel, complaints) would let the
    # message go, so the holdout and the control group look like the treated. What our own sends
    # change (duplicates, the cap, the cooldown) comes after: the held-back never use any of it.
    if marketing and in_control_group(facts.customer_id, settings.control_percent):
        return _no(Reason.CONTROL_GROUP)
    if in_holdout(trigger.name, facts.customer_id, trigger.holdout_percent):
        return _no(Reason.HOLDOUT)
    others = [contact for contact in facts.contacts if contact.key != key]
    cooldown = timedelta(days=max(1, trigger.cooldown_days))
    if any(c.subject == subject and now - cooldown < c.at for c in others):
        return _no(Reason.DUPLICATE, f"{subject} was covered in the last {cooldown.days} days")
    used = sum(1 for c in others if c.sent and now - CAP_WINDOW < c.at <= now)
    limit = min(facts.max_per_week, settings.weekly_cap)
    if marketing and used >= limit:
        return _no(Reason.CAP, f"{used} proactive messages in the last 7 days, limit {limit}")
    said_no = facts.declined.get(trigger.id) if trigger.id is not None else None
    if said_no is not None and now - said_no < timedelta(days=trigger.cooldown_days):
        return _no(Reason.COOLDOWN, f"said no on {said_no.date().isoformat()}")
    blocked = blocked_by(now, facts.time_zone, facts.quiet_hours, trigger.window)
    if blocked is not None:
        reason = Reason.QUIET_HOURS if blocked is Blocked.QUIET_HOURS else Reason.OUTSIDE_WINDOW
        retry_at = next_allowed(now, facts.time_zone, facts.quiet_hours, trigger.window)
        return Verdict(False, reason, channel, retry_at=retry_at)
    return Verdict(True, Reason.OK, channel)


def choose_channel(facts: CustomerFacts, trigger: TriggerSpec) -> tuple[Channel | None, Reason]:
    """The first channel in the trigger's order (the customer's preferred one where it says so)
    with consent for the category and a reachable identity; else why there is none."""
    preferred = facts.preferred_channel
    allowed_preferred = PREFERRED in trigger.channels or preferred.value in trigger.channels
    order: list[Channel] = [preferred] if allowed_preferred else []
    for name in trigger.channels:
        if name != PREFERRED and Channel(name) not in order:
            order.append(Channel(name))
    consented = [c for c in order if (trigger.category, c) in facts.consents]
    for channel in consented:
        if channel in facts.reachable:
            return channel, Reason.OK
    return None, (Reason.NO_CHANNEL if consented else Reason.NO_CONSENT)


def _no(reason: Reason, detail: str = "") -> Verdict:
    return Verdict(False, reason, detail=detail)
