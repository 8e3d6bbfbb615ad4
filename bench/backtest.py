"""Backtests of the proactive predictors on the real Online Retail data, on a time split.

    .venv/bin/python bench/backtest.py [--data PATH] [--cutoff YYYY-MM-DD] [--chart PATH] [--no-progress]
                                       [--only replenishment|churn|offers]
    make backtest

Replenishment timing (MAE in days against the constant median interval and the average interval
minus recency), churn (AUC against recency alone and BG/NBD) and offers (hit rate and NDCG at 5
against popularity), all computed in one run. Prints a table and writes an SVG chart
(docs/figures/backtest.svg). The data is read in place from ../shared/datasets, never copied.
`--only` runs one backtest (no chart): churn alone needs no product embeddings.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path

from tqdm import tqdm

PROJECT_ROOT = Path(__file__).resolve().parent.parent
for entry in (PROJECT_ROOT, PROJECT_ROOT / "bench"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))  # run as a script from anywhere, without installing

from backtesting import churn, offers, replenishment  # noqa: E402
from backtesting.report import Results, chart, table  # noqa: E402
from backtesting.retail import Split, load_retail  # noqa: E402

from nlu.embeddings import CachedEmbedder, Embedder, MiniLMEmbedder  # noqa: E402

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "datasets" / "online_retail" / "online_retail.csv.gz"
DEFAULT_CHART = PROJECT_ROOT / "docs" / "figures" / "backtest.svg"
BACKTESTS = ("replenishment", "churn", "offers")
EMBEDDING_CACHE = PROJECT_ROOT / "var" / "cache" / "backtest-product-embeddings.npz"


def main(argv: list[str] | None = None, *, embedder: Embedder | None = None) -> int:
    args = _arguments(argv)
    if not args.data.is_file():
        print(f"data file not found: {args.data} (pass --data)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    progress = not args.no_progress
    chosen = BACKTESTS if args.only is None else (args.only,)
    steps = tqdm(total=1 + len(chosen), desc="backtest", unit="step", disable=not progress)
    steps.set_postfix_str("reading the data")
    retail = load_retail(args.data, progress=progress)
    try:
        split = Split.for_data(retail, args.cutoff)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    steps.update()
    rep = chu = off = None
    if "replenishment" in chosen:
        steps.set_postfix_str("replenishment")
        rep = replenishment.run(retail, split)
        steps.update()
    if "churn" in chosen:
        steps.set_postfix_str("churn")
        chu = churn.run(retail, split)
        steps.update()
    if "offers" in chosen:
        steps.set_postfix_str("offers (embedding product texts)")
        model = embedder or CachedEmbedder(MiniLMEmbedder(threads=2, batch_size=64), EMBEDDING_CACHE)
        off = offers.run(retail, split.cutoff, model)
        steps.update()
    steps.close()
    results = Results(
        replenishment=rep,
        churn=chu,
        offers=off,
        seconds=time.perf_counter() - started,
        cutoff=_date(split.cutoff),
        train_cutoff=_date(split.train_cutoff),
        end=_date(split.end),
    )
    print(table(results))
    if args.only is None:  # the chart shows all three backtests side by side
        chart(results, args.chart)
        print(f"\nchart: {args.chart}")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"Online Retail CSV (default: {DEFAULT_DATA})"
    )
    parser.add_argument(
        "--cutoff",
        type=_day,
        default=None,
        help="test cutoff (default: the first of the month at least 13 weeks before the data ends)",
    )
    parser.add_argument(
        "--chart", type=Path, default=DEFAULT_CHART, help=f"SVG to write (default: {DEFAULT_CHART})"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    parser.add_argument(
        "--only", choices=BACKTESTS, default=None, help="run this backtest alone (no chart is written)"
    )
    return parser.parse_args(argv)


def _day(text: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), clock(0), UTC)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2011-09-01") from error


def _date(day: float) -> str:
    return datetime.fromtimestamp(day * 86400.0, UTC).date().isoformat()


if __name__ == "__main__":
    sys.exit(main())
