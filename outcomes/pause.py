"""The automatic pause: a trigger that annoys (opt-outs) or harms (complaints) stops itself.

Run by the proactive scheduler's housekeeping after the outcome collector. For each active trigger,
over its exposures since it was last activated or changed (`updated_at`: a changed trigger is a
new experiment, and a person who resumes one starts a fresh count):

- opt-out: opted out / delivered at or above `opt_out_rate` (OUTCOMES_PAUSE_OPT_OUT_RATE, default
  3 %) once at least `min_delivered` (OUTCOMES_PAUSE_MIN_DELIVERED, default 50) were delivered: a
  fixed threshold, as the issue asks, with a floor so two early "stop"s do not pause it;
- complaints: the treated complaint share significantly above the holdout's under the mixture
  SPRT of `outcomes.stats.complaint_harm` (minimum sample per group and of complaints): valid at
  every look, so checking each hour does not inflate false alarms.

A pause sets status paused with the reason, and an audit entry records it with the evidence, in
one transaction. A person resumes it with `python -m proactive activate NAME --by WHO` (audited).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from crm.models import TriggerStatus
from crm.services.audit import audit
from crm.uow import UnitOfWork
from outcomes.results import ArmCounts, arm_counts
from outcomes.stats import HARM_TAU, MIN_COMPLAINTS, MIN_PER_GROUP, complaint_harm
from proactive.predictors.base import aware

ACTOR = "system:auto-pause"


@dataclass(frozen=True)
class PauseSettings:
    opt_out_rate: float = 0.03
    min_delivered: int = 50
    min_per_group: int = MIN_PER_GROUP
    min_complaints: int = MIN_COMPLAINTS
    # The harm size the sequential test is tuned to (outcomes.stats.HARM_TAU); larger finds big
    # harms on smaller samples (the fast simulation), smaller finds small harms sooner.
    tau: float = HARM_TAU


def pause_settings(environ: Mapping[str, str] | None = None) -> PauseSettings:
    env = os.environ if environ is None else environ
    try:
        rate = float(env.get("OUTCOMES_PAUSE_OPT_OUT_RATE", "0.03"))
        minimum = int(env.get("OUTCOMES_PAUSE_MIN_DELIVERED", "50"))
    except ValueError as error:
        raise ValueError(f"OUTCOMES_PAUSE_OPT_OUT_RATE / OUTCOMES_PAUSE_MIN_DELIVERED: {error}") from error
    if not 0.0 < rate < 1.0 or minimum < 1:
        raise ValueError(
            "OUTCOMES_PAUSE_OPT_OUT_RATE must be within (0, 1), OUTCOMES_PAUSE_MIN_DELIVERED >= 1"
        )
    return PauseSettings(opt_out_rate=rate, min_delivered=minimum)


@dataclass(frozen=True)
class Paused:
    trigger: str
    reason: str


def pause_harmful(
    uow: UnitOfWork, log: Engine, now: datetime, settings: PauseSettings | None = None
) -> list[Paused]:
    """Pauses the active triggers that pass a limit; returns what it paused and why."""
    settings = settings or PauseSettings()
    with uow:
        active = [(t.id, t.name, aware(t.updated_at)) for t in uow.triggers.active()]
    paused: list[Paused] = []
    for trigger_id, name, since in active:
        counts = arm_counts(log, since, now, trigger_id).get(trigger_id)
        if counts is None:
            continue
        reason, evidence = _verdict(counts["treated"], counts["holdout"], settings)
        if reason is None:
            continue
        with uow:
            trigger = uow.triggers.by_id(trigger_id)
            if trigger is None or trigger.status is not TriggerStatus.ACTIVE:
                continue  # a person changed it meanwhile
            trigger.status, trigger.status_reason, trigger.updated_at = TriggerStatus.PAUSED, reason, now
            audit(
                uow, ACTOR, "trigger.pause", f"trigger:{trigger_id}",
                {"status": "active"}, {"status": "paused", "reason": reason, **evidence}, now,
            )  # fmt: skip
            uow.commit()
        paused.append(Paused(name, reason))
    return paused


def _verdict(
    treated: ArmCounts, holdout: ArmCounts, settings: PauseSettings
) -> tuple[str | None, dict[str, object]]:
    if treated.delivered >= settings.min_delivered:
        rate = treated.opted_out / treated.delivered
        if rate >= settings.opt_out_rate:
            return (
                f"automatic: opt-out {rate:.1%} of {treated.delivered} delivered"
                f" >= {settings.opt_out_rate:.1%}",
                {"opted_out": treated.opted_out, "delivered": treated.delivered},
            )
    verdict = complaint_harm(
        treated.complained, treated.exposures, holdout.complained, holdout.exposures,
        tau=settings.tau, min_per_group=settings.min_per_group, min_complaints=settings.min_complaints,
    )  # fmt: skip
    if verdict.harmful:
        return (
            f"automatic: complaints {treated.complained}/{treated.exposures} vs holdout "
            f"{holdout.complained}/{holdout.exposures} (+{verdict.difference:.1%},"
            f" sequential p <= {verdict.p_value:.3f})",
            {
                "treated_complaints": treated.complained, "treated": treated.exposures,
                "holdout_complaints": holdout.complained, "holdout": holdout.exposures,
                "likelihood_ratio": round(verdict.likelihood_ratio, 2),
            },
        )  # fmt: skip
    return None, {}
