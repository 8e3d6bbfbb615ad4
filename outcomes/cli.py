"""The outcomes command line: the shop's five metrics for a period, as a table."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time

from crm.db import StoreError, make_engine
from crm.settings import load_settings
from crm.uow import UnitOfWork
from outcomes.metrics import BadPeriod, Metric, ShopMetrics, shop_metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outcomes", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    metrics = commands.add_parser(
        "metrics", help="the study's five metrics for [FROM, TO) (DATABASE_URL selects the store)"
    )
    metrics.add_argument("--from", dest="start", type=_day, required=True, help="first day, YYYY-MM-DD (UTC)")
    metrics.add_argument("--to", dest="end", type=_day, required=True, help="day after the last, YYYY-MM-DD")
    args = parser.parse_args(argv)
    start = datetime.combine(args.start, time(0), UTC)
    end = datetime.combine(args.end, time(0), UTC)
    try:
        engine = make_engine(load_settings().database_url)
        try:
            result = shop_metrics(UnitOfWork.for_engine(engine), start, end)
        finally:
            engine.dispose()
    except (BadPeriod, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_table(result))
    return 0


def format_table(result: ShopMetrics) -> str:
    rows = [("metric", "value", "numerator", "denominator", "note")]
    rows += [_row(metric) for metric in result.all()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    title = f"Shop metrics for [{result.start.date().isoformat()}, {result.end.date().isoformat()})"
    lines = [title, ""]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _row(metric: Metric) -> tuple[str, str, str, str, str]:
    value = metric.value
    if value is None:
        shown = "n/a"
    elif metric.name == "average order value":
        shown = f"{value:,.2f}"
    else:
        shown = f"{value:.1%}"
    numerator = "" if metric.numerator is None else f"{metric.numerator:,}"
    denominator = "" if metric.denominator is None else f"{metric.denominator:,}"
    return (metric.name, shown, numerator, denominator, metric.note)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-01") from error
