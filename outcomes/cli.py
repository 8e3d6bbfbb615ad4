"""The outcomes command line: the shop's five metrics, each trigger's results, the collector, the simulation.

Exit codes: 0 done, 2 bad input or a store that cannot be used (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
import time as wallclock
from datetime import UTC, date, datetime, time

from crm.db import StoreError, make_engine
from crm.settings import load_settings
from crm.uow import UnitOfWork
from outcomes.collect import attribution_window, collect
from outcomes.jobs import read_only_tracker
from outcomes.metrics import BadPeriod, Metric, ShopMetrics, shop_metrics
from outcomes.results import format_results, trigger_results
from outcomes.store import open_outcomes, outcomes_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outcomes", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    metrics = commands.add_parser(
        "metrics", help="the study's five metrics for [FROM, TO) (DATABASE_URL selects the store)"
    )
    metrics.add_argument("--from", dest="start", type=_day, required=True, help="first day, YYYY-MM-DD (UTC)")
    metrics.add_argument("--to", dest="end", type=_day, required=True, help="day after the last, YYYY-MM-DD")
    results = commands.add_parser(
        "results", help="each trigger against its holdout and the control group, exposures in [FROM, TO)"
    )
    results.add_argument("--trigger", help="one trigger by name (default: every trigger)")
    results.add_argument("--from", dest="start", type=_day, required=True, help="first day, YYYY-MM-DD (UTC)")
    results.add_argument("--to", dest="end", type=_day, required=True, help="day after the last, YYYY-MM-DD")
    collecting = commands.add_parser(
        "collect", help="one outcome collection pass now (the scheduler runs one every 10 min)"
    )
    collecting.add_argument("--every", type=float, help="repeat every this many seconds until stopped")
    simulate = commands.add_parser("simulate", help="the demo shop for simulated months with the engine on")
    simulate.add_argument("--customers", type=int, default=3000)
    simulate.add_argument("--days", type=int, default=120)
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--chart", default="docs/figures/simulation.svg", help="where to write the chart")
    args = parser.parse_args(argv)
    if args.command == "results":
        return _results(args)
    if args.command == "collect":
        return _collect(args.every)
    if args.command == "simulate":
        from outcomes.simulate import run_command

        return run_command(args.customers, args.days, args.seed, args.chart)
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


def _results(args: argparse.Namespace) -> int:
    start = datetime.combine(args.start, time(0), UTC)
    end = datetime.combine(args.end, time(0), UTC)
    if end <= start:
        print("error: --to must be after --from", file=sys.stderr)
        return 2
    try:
        engine = make_engine(load_settings().database_url)
        log = open_outcomes(outcomes_url())
        try:
            found = trigger_results(UnitOfWork.for_engine(engine), log, start, end, trigger=args.trigger)
        finally:
            engine.dispose()
            log.dispose()
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    except (StoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"Results for exposures in [{start.date().isoformat()}, {end.date().isoformat()}), 95 % intervals\n"
    )
    print(format_results(found))
    return 0


def _collect(every: float | None) -> int:
    try:
        settings = load_settings()
        engine = make_engine(settings.database_url)
        log = open_outcomes(outcomes_url())
        tracker = read_only_tracker(settings.tracker_store_url)
        try:
            while True:
                tracker = tracker or read_only_tracker(settings.tracker_store_url)
                window = attribution_window()
                summary = collect(
                    UnitOfWork.for_engine(engine), log, settings.now(), tracker=tracker, window=window
                )
                print(summary, flush=True)
                if every is None:
                    return 0
                wallclock.sleep(every)
        except KeyboardInterrupt:
            return 0
        finally:
            for opened in (engine, log, tracker):
                if opened is not None:
                    opened.dispose()
    except (StoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


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
