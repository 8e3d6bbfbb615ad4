"""The scoring pass of one trigger: predictor -> audience -> facts -> policy -> outbox and decisions.

Every candidate gets a `plan`-stage decision row with its reason, sent or not: held-out and
control-group customers get only that row (the outcomes compare against them). A message
allowed now, or blocked only by the clock, becomes a pending outbox row whose `not_before` is
now or the next allowed instant. The key `trigger:customer:subject:due-date` is unique, so
planning twice finds the rows of the first pass and adds nothing.

A million-customer pass plans some 200,000 rows (bench/scale.py), so the rows are written as
plain dicts by bulk `INSERT` in chunks (no ORM object per row), and the throttle finds the first
hour with room by pointer jumps instead of walking full hours one by one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from crm.models import (
    OutboxMessage,
    OutboxState,
    Predictor,
    ProactiveDecision,
    TriggerStatus,
)
from crm.uow import UnitOfWork
from proactive.audience import in_audience
from proactive.facts import LIVE_STATES, Contact, CustomerFacts, load_facts
from proactive.policy import PolicySettings, Reason, decide, policy_settings
from proactive.predictors import delivery_risk, maintenance, replenishment
from proactive.predictors.base import Candidate
from proactive.timing import Span, next_allowed
from proactive.triggers import TriggerError, TriggerSpec, render, spec_of
from proactive.verdict import Verdict

PredictorFunction = Callable[..., list[Candidate]]
PREDICTORS: dict[Predictor, PredictorFunction] = {
    Predictor.REPLENISHMENT: replenishment.candidates,
    Predictor.MAINTENANCE: maintenance.candidates,
    Predictor.DELIVERY_RISK: delivery_risk.candidates,
}
HOUR = timedelta(hours=1)
# A throttled message that cannot find a free hour within this many is not planned this pass.
MAX_THROTTLE_HOURS = 72
# Rows per bulk INSERT: big enough to amortise the round trip, small enough for the driver's buffer.
INSERT_CHUNK = 5_000

Row = dict[str, Any]


class UnknownTrigger(LookupError):
    """No trigger of that name."""


@dataclass
class PlanSummary:
    trigger: str
    candidates: int = 0
    in_audience: int = 0
    planned: int = 0  # new outbox rows
    already_planned: int = 0  # keys found from an earlier pass
    reasons: Counter[str] = field(default_factory=Counter)  # decision reasons of this pass

    def line(self) -> str:
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(self.reasons.items()))
        return (
            f"{self.trigger}: {self.candidates} candidates, {self.in_audience} in the audience, "
            f"{self.planned} planned, {self.already_planned} already planned"
            + (f" (decisions: {reasons})" if reasons else "")
        )


def message_key(trigger: TriggerSpec, candidate: Candidate) -> str:
    return f"{trigger.name}:{candidate.customer_id}:{candidate.subject}:{candidate.due_at.date().isoformat()}"


def find_candidates(uow: UnitOfWork, trigger: TriggerSpec, as_of: datetime) -> tuple[int, list[Candidate]]:
    """(how many the predictor found, those in the trigger's audience) as of `as_of`."""
    found = PREDICTORS[trigger.predictor](uow, as_of, horizon_days=trigger.lead_days)
    return len(found), in_audience(uow, trigger.audience, found)


def plan_trigger(
    uow: UnitOfWork, name: str, now: datetime, settings: PolicySettings | None = None
) -> PlanSummary:
    """Runs one scoring pass of the trigger `name` at `now` and commits its rows.

    A pass that collides with another one (a command-line `score` while the scheduler runs)
    loses on the unique key, rolls back and runs again: the second run finds the other's rows.

    Raises:
        UnknownTrigger: no trigger has that name.
        TriggerError: its definition is broken (the message says what to fix).
    """
    settings = settings or policy_settings()
    try:
        return _plan_trigger(uow, name, now, settings)
    except IntegrityError:
        return _plan_trigger(uow, name, now, settings)


def _plan_trigger(uow: UnitOfWork, name: str, now: datetime, settings: PolicySettings) -> PlanSummary:
    with uow:
        row = uow.triggers.by_name(name)
        if row is None:
            raise UnknownTrigger(name)
        trigger = spec_of(row)
        summary = PlanSummary(trigger.name)
        if trigger.status is not TriggerStatus.ACTIVE:
            return summary
        summary.candidates, candidates = find_candidates(uow, trigger, now)
        summary.in_audience = len(candidates)
        facts = load_facts(uow, [c.customer_id for c in candidates], now)
        all_keys = [message_key(trigger, c) for c in candidates]
        existing = _existing_keys(uow, all_keys)
        last_reasons = _last_plan_reasons(uow, all_keys)
        throttle = _Throttle(uow, trigger, now)
        decisions: list[Row] = []
        messages: list[Row] = []
        for candidate in sorted(candidates, key=lambda c: (c.due_at, c.customer_id, c.subject)):
            key = message_key(trigger, candidate)
            snapshot = facts.get(candidate.customer_id)
            if key in existing:
                summary.already_planned += 1
                continue
            if snapshot is None:
                continue
            verdict, message = _plan_one(trigger, candidate, snapshot, key, now, settings, throttle)
            summary.reasons[str(verdict.reason)] += 1
            if message is not None or last_reasons.get(key) != str(verdict.reason):
                # The same "no" for the same occasion is on record already: no row per pass.
                decisions.append(_decision(trigger, candidate, key, verdict, now))
            if message is not None:
                messages.append(message)
                existing.add(key)
                summary.planned += 1
                # Later candidates of this pass see it: no second message about the same subject.
                facts[candidate.customer_id] = replace(
                    snapshot,
                    contacts=(
                        *snapshot.contacts,
                        Contact(
                            key, candidate.subject, trigger.id, trigger.category, message["not_before"], False
                        ),
                    ),
                )
        # A key another pass wrote meanwhile fails the INSERT on the unique key: IntegrityError,
        # rolled back and planned again by `plan_trigger`, as with ORM objects before.
        _insert_rows(uow, OutboxMessage, messages)
        _insert_rows(uow, ProactiveDecision, decisions)
        uow.commit()
        return summary


def plan_all(uow: UnitOfWork, now: datetime, settings: PolicySettings | None = None) -> list[PlanSummary]:
    """One scoring pass of every active trigger."""
    with uow:
        names = [trigger.name for trigger in uow.triggers.active()]
    return [plan_trigger(uow, name, now, settings) for name in names]


def _plan_one(
    trigger: TriggerSpec,
    candidate: Candidate,
    facts: CustomerFacts,
    key: str,
    now: datetime,
    settings: PolicySettings,
    throttle: _Throttle,
) -> tuple[Verdict, Row | None]:
    verdict = decide(facts, trigger, now, settings, subject=candidate.subject, key=key)
    if verdict.allowed:
        not_before = now
    elif verdict.reason in (Reason.QUIET_HOURS, Reason.OUTSIDE_WINDOW) and verdict.retry_at is not None:
        not_before = verdict.retry_at
    else:
        return verdict, None
    slot = throttle.take(not_before, facts, trigger)
    if slot is None:
        return Verdict(
            False, Reason.THROTTLE, verdict.channel, detail="no free hour in the next 3 days"
        ), None
    if slot > not_before:
        verdict = Verdict(False, Reason.THROTTLE, verdict.channel, retry_at=slot)
        not_before = slot
    try:
        text = render(
            trigger.template, {**candidate.facts, "name": facts.name, "first_name": facts.first_name}
        )
    except TriggerError as error:
        throttle.release(slot)
        return Verdict(False, Reason.TEMPLATE_ERROR, verdict.channel, detail=str(error)), None
    context = {
        **candidate.facts,
        "message": text,
        "facts_as_of": now.isoformat(),  # the day counts in the text, advanced when it waits
        "kind": trigger.kind,
        "trigger": trigger.name,
        "subject": candidate.subject,
        "due_at": candidate.due_at.isoformat(),
        "confidence": candidate.confidence,
        "planned_channel": verdict.channel.value if verdict.channel else None,
    }
    message: Row = {
        "key": key,
        "trigger_id": trigger.id,
        "customer_id": candidate.customer_id,
        "category": trigger.category,
        "subject": candidate.subject,
        "intent": trigger.intent,
        "context": json.dumps(context, sort_keys=True),
        "state": OutboxState.PENDING,
        "not_before": not_before,
        "attempts": 0,
        "created_at": now,
    }
    return verdict, message


class _Throttle:
    """At most `throttle_per_hour` messages of the trigger planned into each clock hour.

    A full hour points to the next hour that may have room (`_after_full`); the pointers are
    shortened as they are followed, so 100,000 throttled messages cost O(n), not a walk over every
    full hour per message.
    """

    def __init__(self, uow: UnitOfWork, trigger: TriggerSpec, now: datetime) -> None:
        self.limit = trigger.throttle_per_hour
        self.used: Counter[datetime] = Counter()
        self._after_full: dict[datetime, datetime] = {}
        self._failed: set[tuple[datetime, str, Span | None, Span]] = set()
        if self.limit is None or trigger.id is None:
            return
        rows = uow.session.execute(
            select(OutboxMessage.not_before).where(
                OutboxMessage.trigger_id == trigger.id,
                OutboxMessage.state.in_(LIVE_STATES),
                OutboxMessage.not_before >= _hour(now),
            )
        )
        for (not_before,) in rows:
            self.used[_hour(not_before)] += 1
        self._mark_full()

    def take(self, at: datetime, facts: CustomerFacts, trigger: TriggerSpec) -> datetime | None:
        """The earliest instant >= `at` in an hour with room, still allowed for the customer.

        Gives up after MAX_THROTTLE_HOURS steps, a step being one full hour passed over or one
        jump to the customer's next allowed instant (the budget of the former hour-by-hour walk).
        """
        if self.limit is None:
            return at
        if self.limit <= 0:
            return None
        # Hours only fill up (but for `release`), so a search that failed fails again: most of a
        # big pass's throttled candidates ask the same (instant, zone, quiet hours) question.
        question = (at, facts.time_zone, facts.quiet_hours, trigger.window)
        if question in self._failed:
            return None
        slot = self._search(at, facts, trigger)
        if slot is None:
            self._failed.add(question)
        return slot

    def _search(self, at: datetime, facts: CustomerFacts, trigger: TriggerSpec) -> datetime | None:
        assert self.limit is not None
        budget = MAX_THROTTLE_HOURS
        moment = at
        while True:
            start = _hour(moment)
            hour = self._first_with_room(start)
            skipped = round((hour - start) / HOUR)
            if skipped >= budget:
                return None
            budget -= skipped + 1
            if hour != start:
                moment = hour
            allowed = next_allowed(moment, facts.time_zone, facts.quiet_hours, trigger.window)
            if allowed is None:
                return None
            if _hour(allowed) == hour:
                self.used[hour] += 1
                if self.used[hour] >= self.limit:
                    self._after_full[hour] = hour + HOUR
                return allowed
            moment = allowed

    def release(self, at: datetime) -> None:
        if self.limit is not None:
            self.used[_hour(at)] -= 1
            # Rare (a template error): rebuilding the pointers is simpler than patching them.
            self._mark_full()
            self._failed.clear()

    def _mark_full(self) -> None:
        limit = self.limit or 0
        self._after_full = {hour: hour + HOUR for hour, used in self.used.items() if used >= limit}

    def _first_with_room(self, hour: datetime) -> datetime:
        passed: list[datetime] = []
        while hour in self._after_full:
            passed.append(hour)
            hour = self._after_full[hour]
        for full in passed:
            self._after_full[full] = hour
        return hour


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _decision(trigger: TriggerSpec, candidate: Candidate, key: str, verdict: Verdict, now: datetime) -> Row:
    detail = verdict.detail
    if verdict.retry_at is not None:
        detail = "; ".join(part for part in (detail, f"planned for {verdict.retry_at.isoformat()}") if part)
    return {
        "trigger_id": trigger.id,
        "customer_id": candidate.customer_id,
        "key": key,
        "stage": "plan",
        "allowed": verdict.allowed,
        "reason": str(verdict.reason),
        "channel": verdict.channel,
        "detail": detail or "",
        "decided_at": now,
    }


def _insert_rows(
    uow: UnitOfWork, model: type[OutboxMessage] | type[ProactiveDecision], rows: list[Row]
) -> None:
    """Bulk INSERT (executemany of one statement), in chunks.

    Core, on the session's connection: the ORM's bulk insert splits the rows into runs of the
    same non-None columns (a `channel` of None starts a new run), which made 100,000 tiny
    statements of 213,000 rows.
    """
    connection = uow.session.connection()
    for start in range(0, len(rows), INSERT_CHUNK):
        connection.execute(insert(model), rows[start : start + INSERT_CHUNK])


def _existing_keys(uow: UnitOfWork, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 900):
        found.update(
            uow.session.scalars(
                select(OutboxMessage.key).where(OutboxMessage.key.in_(keys[start : start + 900]))
            )
        )
    return found


def _last_plan_reasons(uow: UnitOfWork, keys: list[str]) -> dict[str, str]:
    """The newest plan-stage reason recorded per key."""
    reasons: dict[str, str] = {}
    for start in range(0, len(keys), 900):
        rows = uow.session.execute(
            select(ProactiveDecision.key, ProactiveDecision.reason)
            .where(ProactiveDecision.key.in_(keys[start : start + 900]), ProactiveDecision.stage == "plan")
            .order_by(ProactiveDecision.decided_at, ProactiveDecision.id)
        )
        for key, reason in rows:
            if key is not None:
                reasons[key] = reason
    return reasons
