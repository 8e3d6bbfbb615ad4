"""Results per trigger: the treated group against the trigger's holdout and the global control group.

Read from the outcome log (`outcomes.store`); an exposure counts in the period its `at` (the send,
or the decision to hold out) falls in. Per arm:

- acceptance = accepted / delivered and opt-out = opted_out / delivered: treated only (the other
  arms got no message to accept), Wilson intervals;
- conversion = exposures that converted / exposures, complaint share = exposures followed by a
  complaint / exposures, satisfaction = ratings 4-5 / ratings after contact: Wilson per arm, and
  treated minus holdout / control by Newcombe's method;
- average order value = mean value of the orders placed in the attribution window: Welch interval
  for the difference.

A figure with nothing to divide by is None, never 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy import stats as scipy_stats
from sqlalchemy import Engine, select

from crm.uow import UnitOfWork
from outcomes.stats import Interval, newcombe, welch, wilson
from outcomes.store import ARMS, exposures, outcomes
from proactive.predictors.base import aware

POSITIVE_RATING = 4.0


@dataclass
class ArmCounts:
    exposures: int = 0
    delivered: int = 0
    accepted: int = 0
    opted_out: int = 0
    converted: int = 0
    complained: int = 0
    ratings: int = 0
    positive_ratings: int = 0
    order_values: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    metric: str
    by_arm: dict[str, Interval | None]  # treated / holdout / control
    vs_holdout: Interval | None  # treated minus holdout
    vs_control: Interval | None  # treated minus control


@dataclass(frozen=True)
class TriggerResult:
    trigger_id: int | None
    trigger: str
    counts: dict[str, ArmCounts]
    comparisons: list[Comparison]

    def comparison(self, metric: str) -> Comparison:
        return next(c for c in self.comparisons if c.metric == metric)


@dataclass(frozen=True)
class SeriesPoint:
    start: datetime
    arm: str
    exposures: int
    converted: int

    @property
    def conversion(self) -> float | None:
        return self.converted / self.exposures if self.exposures else None


def arm_counts(
    log: Engine, start: datetime, end: datetime, trigger_id: int | None = None
) -> dict[int | None, dict[str, ArmCounts]]:
    """Counts per trigger and arm for exposures in [start, end)."""
    where = [exposures.c.at >= start, exposures.c.at < end]
    if trigger_id is not None:
        where.append(exposures.c.trigger_id == trigger_id)
    with log.connect() as connection:
        rows = connection.execute(
            select(exposures.c.key, exposures.c.trigger_id, exposures.c.arm).where(*where)
        ).all()
        found = connection.execute(
            select(outcomes.c.key, outcomes.c.kind, outcomes.c.value)
            .join(exposures, exposures.c.key == outcomes.c.key)
            .where(*where)
        ).all()
    arm_of = {key: (trigger, arm) for key, trigger, arm in rows}
    counts: dict[int | None, dict[str, ArmCounts]] = defaultdict(lambda: {arm: ArmCounts() for arm in ARMS})
    for trigger, arm in arm_of.values():
        counts[trigger][arm].exposures += 1
    attributes = {
        "delivered": "delivered", "accepted": "accepted", "opted_out": "opted_out",
        "converted": "converted", "complaint": "complained",
    }  # fmt: skip
    seen: set[tuple[str, str]] = set()
    for key, kind, value in found:
        trigger, arm = arm_of[key]
        arm_count = counts[trigger][arm]
        if kind in attributes and (key, kind) not in seen:  # per exposure, not per complaint
            seen.add((key, kind))
            setattr(arm_count, attributes[kind], getattr(arm_count, attributes[kind]) + 1)
        elif kind == "rating" and value is not None:
            arm_count.ratings += 1
            arm_count.positive_ratings += int(value >= POSITIVE_RATING)
        elif kind == "order" and value is not None:
            arm_count.order_values.append(float(value))
    return dict(counts)


def compare(counts: dict[str, ArmCounts], confidence: float = 0.95) -> list[Comparison]:
    treated = counts["treated"]

    def share(
        name: str, numerator: Callable[[ArmCounts], int], denominator: Callable[[ArmCounts], int]
    ) -> Comparison:
        by_arm = {
            arm: wilson(numerator(c), denominator(c), confidence) if denominator(c) else None
            for arm, c in counts.items()
        }

        def against(arm: str) -> Interval | None:
            other = counts[arm]
            if not denominator(treated) or not denominator(other):
                return None
            return newcombe(
                numerator(treated), denominator(treated), numerator(other), denominator(other), confidence
            )

        return Comparison(name, by_arm, against("holdout"), against("control"))

    def treated_only(name: str, numerator: Callable[[ArmCounts], int]) -> Comparison:
        interval = wilson(numerator(treated), treated.delivered, confidence) if treated.delivered else None
        return Comparison(name, {"treated": interval, "holdout": None, "control": None}, None, None)

    def order_value() -> Comparison:
        by_arm: dict[str, Interval | None] = {
            arm: mean_interval(c.order_values, confidence) if len(c.order_values) >= 2 else None
            for arm, c in counts.items()
        }

        def against(arm: str) -> Interval | None:
            a, b = treated.order_values, counts[arm].order_values
            return welch(a, b, confidence) if len(a) >= 2 and len(b) >= 2 else None

        return Comparison("average order value", by_arm, against("holdout"), against("control"))

    return [
        treated_only("acceptance", lambda c: c.accepted),
        share("conversion", lambda c: c.converted, lambda c: c.exposures),
        order_value(),
        share("complaint share", lambda c: c.complained, lambda c: c.exposures),
        share("satisfaction", lambda c: c.positive_ratings, lambda c: c.ratings),
        treated_only("opt-out", lambda c: c.opted_out),
    ]


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> Interval:
    """The mean with its Student t interval."""
    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    half = (
        float(scipy_stats.t.ppf(0.5 + confidence / 2, data.size - 1))
        * float(data.std(ddof=1))
        / math.sqrt(data.size)
    )
    return Interval(mean, mean - half, mean + half, confidence)


def trigger_results(
    uow: UnitOfWork,
    log: Engine,
    start: datetime,
    end: datetime,
    *,
    trigger: str | None = None,
    confidence: float = 0.95,
) -> list[TriggerResult]:
    """Each trigger's results for exposures in [start, end) (one trigger with `trigger`)."""
    with uow:
        names = {t.id: t.name for t in uow.triggers.all()}
    trigger_id: int | None = None
    if trigger is not None:
        matches = [tid for tid, name in names.items() if name == trigger]
        if not matches:
            raise KeyError(f"no trigger named {trigger!r}")
        trigger_id = matches[0]
    counts = arm_counts(log, start, end, trigger_id)
    if trigger_id is not None:
        counts.setdefault(trigger_id, {arm: ArmCounts() for arm in ARMS})
    return [
        TriggerResult(
            tid, names.get(tid, "(deleted)") if tid is not None else "(none)", arms, compare(arms, confidence)
        )
        for tid, arms in sorted(counts.items(), key=lambda item: names.get(item[0], "") if item[0] else "")
    ]


def conversion_series(
    log: Engine,
    start: datetime,
    end: datetime,
    *,
    trigger_id: int | None = None,
    step: timedelta = timedelta(days=7),
) -> list[SeriesPoint]:
    """Conversion per arm per `step` (a week by default): the console's chart."""
    where = [exposures.c.at >= start, exposures.c.at < end]
    if trigger_id is not None:
        where.append(exposures.c.trigger_id == trigger_id)
    with log.connect() as connection:
        rows = connection.execute(
            select(exposures.c.key, exposures.c.arm, exposures.c.at).where(*where)
        ).all()
        converted = {
            key
            for (key,) in connection.execute(
                select(outcomes.c.key)
                .join(exposures, exposures.c.key == outcomes.c.key)
                .where(outcomes.c.kind == "converted", *where)
            )
        }
    buckets: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for key, arm, at in rows:
        index = int((aware(at) - start) / step)
        buckets[(index, arm)][0] += 1
        buckets[(index, arm)][1] += int(key in converted)
    return [
        SeriesPoint(start + step * index, arm, total, hits)
        for (index, arm), (total, hits) in sorted(buckets.items())
    ]


def format_results(results: Sequence[TriggerResult]) -> str:
    """The results as a plain-text table, one block per trigger."""
    lines: list[str] = []
    for result in results:
        c = result.counts
        lines.append(
            f"{result.trigger}: treated {c['treated'].exposures:,}, holdout {c['holdout'].exposures:,}, "
            f"control {c['control'].exposures:,} exposures"
        )
        header = ("metric", "treated", "holdout", "control", "treated - holdout", "treated - control")
        rows = [header] + [
            (
                comparison.metric,
                *(_shown(comparison.metric, comparison.by_arm.get(arm)) for arm in ARMS),
                _shown(comparison.metric, comparison.vs_holdout, difference=True),
                _shown(comparison.metric, comparison.vs_control, difference=True),
            )
            for comparison in result.comparisons
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for index, row in enumerate(rows):
            lines.append(
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
            if index == 0:
                lines.append("  " + "  ".join("-" * width for width in widths))
        lines.append("")
    return "\n".join(lines).rstrip() or "no exposures in the period"


def _shown(metric: str, interval: Interval | None, *, difference: bool = False) -> str:
    if interval is None:
        return "n/a"
    if metric == "average order value":
        sign = "+" if difference else ""
        return f"{interval.estimate:{sign},.2f} [{interval.low:,.2f}, {interval.high:,.2f}]"
    sign = "+" if difference else ""
    return f"{interval.estimate * 100:{sign}.1f}% [{interval.low * 100:.1f}, {interval.high * 100:.1f}]"
