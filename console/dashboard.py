"""The dashboard's figures for a period: the study's five metrics (from `outcomes.metrics`, never
recomputed here), proactive reach, acceptance and opt-out (from the outcome log), and how long
customers wait for a person.

Definitions (docs/console.md, "Dashboard"):

- *Reach*: distinct customers a trigger sent a message to (the log's `treated` exposures) in the
  period; *acceptance* = accepted / delivered and *opt-out* = opted out / delivered, over those
  messages, as `outcomes.results` counts them.
- *Handoff waiting time*: from a chat handoff's opening until an agent first took it (the first
  `taken` case event), over the handoffs opened in the period and taken; the ones never taken are
  counted apart (`still_waiting`), so a median of the lucky ones does not hide them. A handoff the
  customer withdrew before anyone acted counts nowhere.
- *First reply time*: from a case's opening until the first word from a person: the first `taken`
  (the customer is told a person joined), `handed_back` or `closed` event by a staff member, over
  all cases opened in the period. The agents' typed replies travel through Rasa and leave no case
  event, so for a chat the first word is the join message.

Median and 90th percentile are linear-interpolation percentiles (numpy's default) in seconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import escape

import numpy as np
from sqlalchemy import Engine, distinct, func, select

from crm.models import CaseEventKind, CaseKind
from crm.uow import UnitOfWork
from outcomes.metrics import Metric, ShopMetrics, shop_metrics
from proactive.predictors.base import aware

DEFAULT_DAYS = 30
MAX_DAYS = 366
# A chart point per week up to this many days, per 30 days beyond (a year is 13 points, not 53).
WEEKLY_UP_TO_DAYS = 120
# "A person has joined" is said by the system on taking; the first word is what an agent wrote, or
# handing back or closing without a word.
FIRST_WORD = (CaseEventKind.REPLIED, CaseEventKind.HANDED_BACK, CaseEventKind.CLOSED)


class BadRange(ValueError):
    """The dates do not make a period the dashboard can show."""


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC for the dates `first` to `last`, both included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), UTC)


def period(first: date | None, last: date | None, now: datetime) -> Period:
    """The chosen dates, or the last `DEFAULT_DAYS` days up to today; BadRange when unusable."""
    last = last or now.astimezone(UTC).date()
    if not date(2000, 1, 1) <= last <= date(2100, 12, 31):
        raise BadRange("to: a date between 2000 and 2100")
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if not date(2000, 1, 1) <= first <= date(2100, 12, 31):
        raise BadRange("from: a date between 2000 and 2100")
    if last < first:
        raise BadRange("to must not be before from")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadRange(f"at most {MAX_DAYS} days at once")
    return Period(first, last)


@dataclass(frozen=True)
class Durations:
    """Seconds; None when there is nothing to measure."""

    count: int
    median: float | None
    p90: float | None
    still_waiting: int = 0

    @classmethod
    def of(cls, seconds: Sequence[float], still_waiting: int = 0) -> Durations:
        if not seconds:
            return cls(0, None, None, still_waiting)
        values = np.asarray(seconds, dtype=float)
        return cls(
            len(values), float(np.percentile(values, 50)), float(np.percentile(values, 90)), still_waiting
        )


@dataclass(frozen=True)
class Reach:
    customers: int
    messages: int
    delivered: int
    acceptance: Metric
    opt_out: Metric


@dataclass(frozen=True)
class Point:
    start: date
    metrics: ShopMetrics
    reach: Reach | None


@dataclass(frozen=True)
class Dashboard:
    period: Period
    metrics: ShopMetrics
    reach: Reach | None  # None: no outcome log configured
    waiting: Durations
    first_reply: Durations
    series: list[Point]


def dashboard(store: Callable[[], UnitOfWork], log_url: str | None, chosen: Period) -> Dashboard:
    """All the figures for `chosen`; read-only. The outcome log is read when `log_url` is given."""
    log = _open_log(log_url)
    try:
        series = [
            Point(
                piece.first,
                shop_metrics(store(), piece.start, piece.end),
                reach(log, piece.start, piece.end) if log is not None else None,
            )
            for piece in pieces(chosen)
        ]
        return Dashboard(
            period=chosen,
            metrics=shop_metrics(store(), chosen.start, chosen.end),
            reach=reach(log, chosen.start, chosen.end) if log is not None else None,
            waiting=waiting_times(store(), chosen.start, chosen.end),
            first_reply=first_reply_times(store(), chosen.start, chosen.end),
            series=series,
        )
    finally:
        if log is not None:
            log.dispose()


def pieces(chosen: Period) -> list[Period]:
    """The chart's points: weeks (the last one may be shorter), or 30-day steps for a long period."""
    days = (chosen.last - chosen.first).days + 1
    step = 7 if days <= WEEKLY_UP_TO_DAYS else 30
    out: list[Period] = []
    first = chosen.first
    while first <= chosen.last:
        last = min(first + timedelta(days=step - 1), chosen.last)
        out.append(Period(first, last))
        first = last + timedelta(days=1)
    return out


def reach(log: Engine, start: datetime, end: datetime) -> Reach:
    # Imported when used: outcomes.results brings scipy, which the desk's pages never need.
    from outcomes.results import arm_counts
    from outcomes.store import exposures

    counts = arm_counts(log, start, end)
    treated = [arms["treated"] for arms in counts.values()]
    messages = sum(c.exposures for c in treated)
    delivered = sum(c.delivered for c in treated)
    with log.connect() as connection:
        customers = connection.scalar(
            select(func.count(distinct(exposures.c.customer_id))).where(
                exposures.c.arm == "treated", exposures.c.at >= start, exposures.c.at < end
            )
        )
    return Reach(
        customers=customers or 0,
        messages=messages,
        delivered=delivered,
        acceptance=Metric("acceptance", sum(c.accepted for c in treated), delivered, note="of delivered"),
        opt_out=Metric("opt-out", sum(c.opted_out for c in treated), delivered, note="of delivered"),
    )


def waiting_times(uow: UnitOfWork, start: datetime, end: datetime) -> Durations:
    """Chat handoffs opened in [start, end): opening until first taken."""
    with uow:
        rows = uow.cases.openings_until_first(start, end, [CaseEventKind.TAKEN], kind=CaseKind.HANDOFF)
    return _durations(rows)


def first_reply_times(uow: UnitOfWork, start: datetime, end: datetime) -> Durations:
    """All cases opened in [start, end): opening until the first word from a person."""
    with uow:
        rows = uow.cases.openings_until_first(start, end, FIRST_WORD, by_person=True)
    return _durations(rows)


def _durations(rows: list[tuple[datetime, datetime | None]]) -> Durations:
    """Cases without the event are still waiting."""
    answered = [_seconds(opened, at) for opened, at in rows if at is not None]
    return Durations.of(answered, still_waiting=sum(1 for _, at in rows if at is None))


# --- the same figures as rows (the CSV export and the JSON API) -----------------------------------


def rows(board: Dashboard) -> list[dict[str, str | float | int | None]]:
    """One row per figure: name, numerator, denominator, value, unit."""
    out: list[dict[str, str | float | int | None]] = []

    def metric(m: Metric, unit: str) -> None:
        numerator = float(m.numerator) if m.numerator is not None else None
        out.append(
            {"figure": m.name, "numerator": numerator, "denominator": m.denominator, "value": m.value,
             "unit": unit}
        )  # fmt: skip

    def plain(name: str, value: float | int | None, unit: str) -> None:
        out.append({"figure": name, "numerator": None, "denominator": None, "value": value, "unit": unit})

    for m in board.metrics.all():
        metric(m, "EUR" if m is board.metrics.average_order_value else "share")
    if board.reach is not None:
        plain("proactive reach", board.reach.customers, "customers")
        plain("proactive messages", board.reach.messages, "messages")
        metric(board.reach.acceptance, "share")
        metric(board.reach.opt_out, "share")
    for label, found in (("first reply time", board.first_reply), ("handoff waiting time", board.waiting)):
        plain(f"{label} median", found.median, "seconds")
        plain(f"{label} p90", found.p90, "seconds")
        plain(f"{label} cases", found.count, "cases")
        plain(f"{label} still waiting", found.still_waiting, "cases")
    return out


def as_csv(board: Dashboard) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["from", "to", "figure", "numerator", "denominator", "value", "unit"])
    for row in rows(board):
        writer.writerow(
            [board.period.first.isoformat(), board.period.last.isoformat()]
            + [
                "" if row[k] is None else row[k]
                for k in ("figure", "numerator", "denominator", "value", "unit")
            ]
        )
    return buffer.getvalue()


# --- charts ------------------------------------------------------------------------------------

COLOURS = ("#1f6feb", "#2da44e", "#cf222e", "#8250df", "#bf8700")


def line_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]]) -> str:
    """A small server-rendered SVG line chart of shares (0-100 %); gaps where a value is None.
    Presentation attributes only: the console's CSP allows no inline style."""
    width, height, left, top, bottom = 640, 220, 44, 24, 40
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max([v for values in series.values() for v in values if v is not None] + [1e-9])
    top_value = 100.0 if peak > 0.5 else max(10.0, float(np.ceil(peak * 100 / 10) * 10))
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h * (1 - min(v * 100, top_value) / top_value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in (0.0, top_value / 2, top_value):
        ty = top + plot_h * (1 - tick / top_value)
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{width - 10}" y2="{ty:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{ty + 4:.1f}" font-size="10" text-anchor="end">{tick:g} %</text>'
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 14}" font-size="9" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    for k, (name, values) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        runs: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(run)}"/>'
                )
        lx = left + 150 * k
        parts.append(
            f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{height - 5}" font-size="10">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def charts(board: Dashboard) -> list[str]:
    labels = [p.start.strftime("%d %b") for p in board.series]
    shown = [
        line_chart(
            "Satisfaction, positive reviews and complaints",
            labels,
            {
                "satisfaction": [p.metrics.satisfaction.value for p in board.series],
                "positive reviews": [p.metrics.positive_review_share.value for p in board.series],
                "complaint share": [p.metrics.complaint_share.value for p in board.series],
            },
        )
    ]
    if board.reach is not None:
        shown.append(
            line_chart(
                "Proactive acceptance and opt-out",
                labels,
                {
                    "acceptance": [p.reach.acceptance.value if p.reach else None for p in board.series],
                    "opt-out": [p.reach.opt_out.value if p.reach else None for p in board.series],
                },
            )
        )
    return shown


def _seconds(start: datetime, end: datetime) -> float:
    return (aware(end) - aware(start)).total_seconds()


def _open_log(url: str | None) -> Engine | None:
    if not url:
        return None
    from outcomes.store import open_outcomes

    return open_outcomes(url)
