"""Replay a trigger against history: what it would have sent, to whom and when, and what it held back.

For each day of the range the predictor runs as of that day (it reads only history up to then),
the audience filter and the policy follow with facts as they were (consents are append-only, so
the consent in force on that day is known), and the replay's own simulated sends feed the cap,
duplicates and the throttle of later days. The real outbox is ignored: the replay asks what
*this* definition would have done on its own. Nothing is written to the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from crm.models import TriggerStatus
from crm.uow import UnitOfWork
from proactive.facts import Contact, load_facts
from proactive.planner import HOUR, UnknownTrigger, find_candidates, message_key
from proactive.policy import PolicySettings, Reason, decide, policy_settings
from proactive.triggers import TriggerError, TriggerSpec, render, spec_of

# When each day's scoring pass runs in the replay (the scheduler runs more often; once a day is
# enough to see who would get what).
DEFAULT_PASS_AT = time(10, 0)
SAMPLE_SIZE = 20


@dataclass(frozen=True)
class WouldSend:
    at: datetime
    customer_ref: str
    channel: str
    subject: str
    message: str


@dataclass
class ReplayReport:
    trigger: str
    start: date
    end: date
    occasions: int = 0  # distinct (customer, subject, due date) the predictor found in the audience
    would_send: int = 0
    recipients: set[str] = field(default_factory=set)
    blocked: Counter[str] = field(default_factory=Counter)  # occasions never sent, by last reason
    deferred: Counter[str] = field(default_factory=Counter)  # sent later than found: quiet hours, ...
    sample: list[WouldSend] = field(default_factory=list)
    per_day: Counter[date] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        out = [
            f"replay of {self.trigger} from {self.start} to {self.end}: {self.occasions} occasions, "
            f"{self.would_send} messages to {len(self.recipients)} customers",
            "blocked: " + (", ".join(f"{r} {n}" for r, n in self.blocked.most_common()) or "none"),
            "deferred (sent later): "
            + (", ".join(f"{r} {n}" for r, n in self.deferred.most_common()) or "none"),
            "sample:",
        ]
        out += [f"  {s.at.isoformat()} {s.customer_ref} via {s.channel}: {s.message}" for s in self.sample]
        return out


def replay(
    uow: UnitOfWork,
    name: str,
    start: date,
    end: date,
    *,
    settings: PolicySettings | None = None,
    pass_at: time = DEFAULT_PASS_AT,
    progress: Callable[[date, ReplayReport], None] | None = None,
) -> ReplayReport:
    """Replays trigger `name` (any status: a draft is what you replay before activating it)."""
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    settings = settings or policy_settings()
    with uow:
        row = uow.triggers.by_name(name)
        if row is None:
            raise UnknownTrigger(name)
        trigger = replace(spec_of(row), status=TriggerStatus.ACTIVE)
        report = _run(uow, trigger, start, end, settings, pass_at, progress)
        uow.session.rollback()  # read-only by construction; nothing may leak out even so
        return report


def _run(
    uow: UnitOfWork,
    trigger: TriggerSpec,
    start: date,
    end: date,
    settings: PolicySettings,
    pass_at: time,
    progress: Callable[[date, ReplayReport], None] | None,
) -> ReplayReport:
    report = ReplayReport(trigger.name, start, end)
    sent: dict[int, list[Contact]] = {}
    outcome: dict[str, str] = {}  # key -> "sent" or the last reason it was held back
    per_hour: Counter[datetime] = Counter()
    day = start
    while day <= end:
        now = datetime.combine(day, pass_at, UTC)
        _, candidates = find_candidates(uow, trigger, now)
        facts = load_facts(uow, [c.customer_id for c in candidates], now, with_outbox=False)
        for candidate in sorted(candidates, key=lambda c: (c.due_at, c.customer_id, c.subject)):
            key = message_key(trigger, candidate)
            snapshot = facts.get(candidate.customer_id)
            if outcome.get(key) == "sent" or snapshot is None:
                continue
            if key not in outcome:
                report.occasions += 1
            snapshot = replace(
                snapshot, kill_switch=False, contacts=tuple(sent.get(candidate.customer_id, ()))
            )
            verdict = decide(snapshot, trigger, now, settings, subject=candidate.subject, key=key)
            at = now
            if not verdict.allowed and verdict.retry_at is not None:
                # Blocked only by the clock: it goes at the next allowed instant, if still allowed then.
                at = verdict.retry_at
                later = decide(snapshot, trigger, at, settings, subject=candidate.subject, key=key)
                if not later.allowed:
                    outcome[key] = str(later.reason)
                    continue
                report.deferred[str(verdict.reason)] += 1
                verdict = later
            elif not verdict.allowed:
                outcome[key] = str(verdict.reason)
                continue
            if trigger.throttle_per_hour is not None:
                hour = at.replace(minute=0, second=0, microsecond=0)
                while per_hour[hour] >= trigger.throttle_per_hour:
                    hour += HOUR
                if hour > at:
                    at = hour
                    report.deferred[Reason.THROTTLE] += 1
                per_hour[hour] += 1
            try:
                text = render(
                    trigger.template,
                    {**candidate.facts, "name": snapshot.name, "first_name": snapshot.first_name},
                )
            except TriggerError:
                outcome[key] = Reason.TEMPLATE_ERROR
                continue
            outcome[key] = "sent"
            sent.setdefault(candidate.customer_id, []).append(
                Contact(key, candidate.subject, trigger.id, trigger.category, at, True)
            )
            report.would_send += 1
            report.recipients.add(snapshot.external_ref)
            report.per_day[at.date()] += 1
            if len(report.sample) < SAMPLE_SIZE:
                channel = verdict.channel.value if verdict.channel else "?"
                report.sample.append(WouldSend(at, snapshot.external_ref, channel, candidate.subject, text))
        if progress is not None:
            progress(day, report)
        day += timedelta(days=1)
    report.blocked = Counter(reason for reason in outcome.values() if reason != "sent")
    return report
