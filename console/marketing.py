"""The marketers' side of the console: triggers with their key figures, creating and editing one
(checked by the engine's own rules), a preview rendered for a real customer with the audience's
size and a sample, activating and pausing, and the kill switch. Every change is audited."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from crm.models import Channel, ConsentPurpose, Predictor, ProactiveSwitch, Trigger, TriggerStatus
from crm.services.audit import audit
from crm.uow import UnitOfWork
from proactive.channels import ChannelSender
from proactive.facts import KILL_SWITCH
from proactive.planner import find_candidates
from proactive.policy import policy_settings
from proactive.replay import ReplayReport
from proactive.replay import replay as replay_history
from proactive.sample_send import send_sample
from proactive.triggers import TriggerError, check_template, parse_audience, parse_channels, render, spec_of

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class TriggerForm:
    """A trigger as a marketer edits it; `check()` refuses what the engine could not use."""

    name: str
    predictor: Predictor
    template: str
    category: ConsentPurpose
    description: str = ""
    audience: str = "{}"
    channels: str = "preferred,telegram,web,email"
    window_start: time = time(9, 0)
    window_end: time = time(20, 0)
    holdout_percent: int = 10
    throttle_per_hour: int | None = None
    cooldown_days: int = 30
    lead_days: int = 3
    every_minutes: int = 60

    def check(self) -> None:
        if not self.name.strip() or len(self.name) > 80:
            raise TriggerError("name: 1 to 80 characters")
        check_template(self.template, self.predictor)
        parse_audience(self.audience or "{}")
        parse_channels(self.channels)
        if not 0 <= self.holdout_percent <= 90:
            raise TriggerError("holdout: 0 to 90 percent")
        if self.throttle_per_hour is not None and self.throttle_per_hour < 1:
            raise TriggerError("throttle: at least 1 message an hour, or none")
        if self.cooldown_days < 0 or self.lead_days < 0 or self.every_minutes < 1:
            raise TriggerError("cooldown and lead days are 0 or more; the run interval at least a minute")


@dataclass
class TriggerRow:
    id: int
    name: str
    description: str
    predictor: str
    category: str
    status: str
    status_reason: str | None
    # Paused by the engine (a guard rail), not by a person: flagged on the list.
    paused_automatically: bool
    figures: dict[str, int] = field(default_factory=dict)
    definition: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    found: int  # what the predictor found
    in_audience: int  # of those, in the trigger's audience
    sample: list[dict[str, Any]]
    customer_ref: str | None
    text: str | None
    problem: str | None = None


class UnknownTriggerId(LookupError):
    pass


def triggers(uow: UnitOfWork) -> list[TriggerRow]:
    with uow:
        figures = uow.marketing.figures()
        return [_row(t, figures.get(t.id, {})) for t in uow.triggers.all()]


def trigger(uow: UnitOfWork, trigger_id: int) -> TriggerRow:
    with uow:
        found = uow.triggers.by_id(trigger_id)
        if found is None:
            raise UnknownTriggerId(trigger_id)
        return _row(found, uow.marketing.figures().get(trigger_id, {}))


def save_trigger(
    uow: UnitOfWork, form: TriggerForm, now: datetime, *, actor: str, trigger_id: int | None = None
) -> TriggerRow:
    """Creates (no id) or changes a trigger. A new one starts as a draft; an active one stays active."""
    form.check()
    with uow:
        other = uow.triggers.by_name(form.name.strip())
        if other is not None and other.id != trigger_id:
            raise TriggerError(f"name: a trigger called {form.name!r} exists already")
        if trigger_id is None:
            row = Trigger(status=TriggerStatus.DRAFT, created_at=now, updated_at=now, **_values(form))
            uow.triggers.add(row)
            uow.flush()
            audit(uow, actor, "trigger.created", f"trigger:{row.id}", None, _definition(row), now)
        else:
            found = uow.triggers.by_id(trigger_id)
            if found is None:
                raise UnknownTriggerId(trigger_id)
            row = found
            before = _definition(row)
            for name, value in _values(form).items():
                setattr(row, name, value)
            row.updated_at = now
            audit(uow, actor, "trigger.changed", f"trigger:{row.id}", before, _definition(row), now)
        result = _row(row, {})
        uow.commit()
        return result


def set_status(
    uow: UnitOfWork,
    trigger_id: int,
    status: TriggerStatus,
    now: datetime,
    *,
    actor: str,
    reason: str | None = None,
) -> TriggerRow:
    with uow:
        row = uow.triggers.by_id(trigger_id)
        if row is None:
            raise UnknownTriggerId(trigger_id)
        if status is TriggerStatus.ACTIVE:
            spec_of(row)  # a broken definition is refused before it runs
        before = {"status": row.status.value, "reason": row.status_reason}
        row.status, row.updated_at = status, now
        row.status_reason = (reason or f"paused by {actor}")[:500] if status is TriggerStatus.PAUSED else None
        audit(uow, actor, f"trigger.{status.value}", f"trigger:{row.id}", before,
              {"status": status.value, "reason": row.status_reason}, now)  # fmt: skip
        result = _row(row, uow.marketing.figures().get(row.id, {}))
        uow.commit()
        return result


def kill_switch(uow: UnitOfWork) -> bool:
    with uow:
        switch = uow.triggers.switch(KILL_SWITCH)
        return bool(switch and switch.on)


def set_kill_switch(uow: UnitOfWork, on: bool, now: datetime, *, actor: str) -> bool:
    """On: no proactive message goes out at all, whatever the triggers say."""
    with uow:
        switch = uow.triggers.switch(KILL_SWITCH)
        before = bool(switch and switch.on)
        uow.triggers.set_switch(
            ProactiveSwitch(name=KILL_SWITCH, on=on, changed_at=now, changed_by=actor[:80])
        )
        audit(uow, actor, "kill_switch.changed", "switch:kill", {"on": before}, {"on": on}, now)
        uow.commit()
        return on


def preview(uow: UnitOfWork, trigger_id: int, now: datetime, customer_ref: str | None = None) -> Preview:
    """Who the trigger would reach now, and its text for one real customer (`customer_ref`, else the
    first in the audience)."""
    with uow:
        row = uow.triggers.by_id(trigger_id)
        if row is None:
            raise UnknownTriggerId(trigger_id)
        spec = spec_of(row)
        found, kept = find_candidates(uow, spec, now)
        people = {c.customer_id: uow.customers.by_id(c.customer_id) for c in kept[: SAMPLE_SIZE * 4]}
        sample = [
            {"ref": p.external_ref, "name": p.name, "subject": c.subject, "due": c.due_at.date().isoformat()}
            for c in kept[:SAMPLE_SIZE]
            if (p := people.get(c.customer_id)) is not None
        ]
        chosen = None
        if customer_ref:
            customer = uow.customers.by_ref(customer_ref.strip())
            if customer is None:
                return Preview(found, len(kept), sample, customer_ref, None, f"no customer {customer_ref}")
            chosen = next((c for c in kept if c.customer_id == customer.id), None)
            if chosen is None:
                problem = f"{customer_ref} is not in this trigger's audience now"
                return Preview(found, len(kept), sample, customer_ref, None, problem)
        elif kept:
            chosen = kept[0]
        if chosen is None:
            return Preview(found, 0, sample, None, None, "nobody is in the audience now")
        person = uow.customers.by_id(chosen.customer_id)
        name = person.name if person else ""
        facts = {**chosen.facts, "name": name, "first_name": name.split()[0] if name else ""}
        try:
            text = render(spec.template, facts)
        except TriggerError as error:
            return Preview(
                found, len(kept), sample, person.external_ref if person else None, None, str(error)
            )
        return Preview(found, len(kept), sample, person.external_ref if person else None, text)


def test_send(
    store: Callable[[], UnitOfWork],
    senders: Callable[[], Mapping[Channel, ChannelSender]],
    trigger_id: int,
    target: str,
    customer_ref: str,
    now: datetime,
) -> str:
    """Sends the trigger's message, rendered for `customer_ref` (who must be in its audience now),
    to a chosen chat or address (`telegram:<chat>`, `web:<ref>`, `email:<address>`), marked as a
    test and kept out of the outbox's statistics. Returns what happened, in words."""
    with store() as uow:
        row = uow.triggers.by_id(trigger_id)
        if row is None:
            raise UnknownTriggerId(trigger_id)
        spec, name = spec_of(row), row.name
        customer = uow.customers.by_ref(customer_ref.strip())
        if customer is None:
            raise TriggerError(f"no customer {customer_ref}")
        _, kept = find_candidates(uow, spec, now)
        chosen = next((c for c in kept if c.customer_id == customer.id), None)
        if chosen is None:
            raise TriggerError(f"{customer_ref} is not in this trigger's audience now: preview shows who is")
        facts = {key: str(value) for key, value in chosen.facts.items() if value is not None}
    result = send_sample(store, senders(), name, target.strip(), customer_ref.strip(), facts, now)
    return f"{result.status.value}{': ' + result.detail if result.detail else ''}"


def _values(form: TriggerForm) -> dict[str, Any]:
    return {
        "name": form.name.strip(),
        "description": form.description.strip(),
        "predictor": form.predictor,
        "audience": json.dumps(json.loads(form.audience or "{}"), sort_keys=True),
        "template": form.template.strip(),
        "category": form.category,
        "channels": ",".join(parse_channels(form.channels)),
        "window_start": form.window_start,
        "window_end": form.window_end,
        "holdout_percent": form.holdout_percent,
        "throttle_per_hour": form.throttle_per_hour,
        "cooldown_days": form.cooldown_days,
        "lead_days": form.lead_days,
        "every_minutes": form.every_minutes,
    }


def _definition(row: Trigger) -> dict[str, Any]:
    return {
        "name": row.name,
        "description": row.description,
        "predictor": row.predictor.value,
        "audience": row.audience,
        "template": row.template,
        "category": row.category.value,
        "channels": row.channels,
        "window_start": row.window_start.strftime("%H:%M"),
        "window_end": row.window_end.strftime("%H:%M"),
        "holdout_percent": row.holdout_percent,
        "throttle_per_hour": row.throttle_per_hour,
        "cooldown_days": row.cooldown_days,
        "lead_days": row.lead_days,
        "every_minutes": row.every_minutes,
    }


def _row(row: Trigger, figures: dict[str, int]) -> TriggerRow:
    reason = row.status_reason
    return TriggerRow(
        id=row.id,
        name=row.name,
        description=row.description,
        predictor=row.predictor.value,
        category=row.category.value,
        status=row.status.value,
        status_reason=reason,
        paused_automatically=row.status is TriggerStatus.PAUSED
        and not (reason or "").startswith("paused by "),
        figures=figures,
        definition=_definition(row),
    )


RESULTS_DAYS = 90


@dataclass(frozen=True)
class Results:
    """A trigger's results over the last `RESULTS_DAYS`: the outcomes' table with its 95 % intervals,
    and weekly conversion per arm (treated, holdout, control) for the chart."""

    table: str
    weeks: list[dict[str, Any]]


def results(uow: UnitOfWork, log_url: str, trigger_id: int, now: datetime) -> Results:
    from outcomes.results import conversion_series, format_results, trigger_results
    from outcomes.store import open_outcomes

    name = trigger(uow, trigger_id).name
    start = now - timedelta(days=RESULTS_DAYS)
    log = open_outcomes(log_url)
    try:
        found = trigger_results(uow, log, start, now, trigger=name)
        series = conversion_series(log, start, now, trigger_id=trigger_id)
    finally:
        log.dispose()
    weeks: dict[str, dict[str, Any]] = {}
    for point in series:
        week = weeks.setdefault(point.start.date().isoformat(), {"week": point.start.date().isoformat()})
        week[point.arm] = round(100 * point.conversion, 1) if point.conversion is not None else None
    return Results(format_results(found), list(weeks.values()))


REPLAY_DAYS = 30  # the default range: the last month
REPLAY_MAX_DAYS = 92  # one pass per day: a quarter keeps the page quick on a big shop


def replay_range(first: date | None, last: date | None, now: datetime) -> tuple[date, date]:
    """The replay's days (both included), by default the last `REPLAY_DAYS` up to yesterday (today
    is not history yet); ValueError when the range is reversed, too long or in the future."""
    last = last or now.date() - timedelta(days=1)
    first = first or last - timedelta(days=REPLAY_DAYS - 1)
    if last < first:
        raise ValueError("replay: the range ends before it starts")
    if last > now.date():
        raise ValueError("replay: history ends today")
    if (last - first).days + 1 > REPLAY_MAX_DAYS:
        raise ValueError(f"replay: at most {REPLAY_MAX_DAYS} days at once")
    return first, last


def replay(store: Callable[[], UnitOfWork], trigger_id: int, first: date, last: date) -> ReplayReport:
    """What the trigger's definition would have sent over [first, last], and what it held back;
    nothing is written (proactive/replay.py). The policy settings are the engine's (environment)."""
    row = trigger(store(), trigger_id)
    return replay_history(store(), row.name, first, last, settings=policy_settings())
