"""Benchmark: import the UCI Online Retail file into a fresh store, against a read-only baseline.

    .venv/bin/python bench/import_online_retail.py [--rows N] [--database-url URL] [--no-progress]

The baseline is reading and parsing the CSV with no database at all, so the ratio shows what
writing to the store costs. Without --database-url the store is a temporary SQLite file; a
PostgreSQL URL names a server, on which a scratch database is created and dropped afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))  # run as a script from anywhere, without installing

from crm.db import make_engine  # noqa: E402
from crm.importers import AlreadyImported, ImportReport, import_online_retail  # noqa: E402
from crm.importers.online_retail_parse import parse_online_retail  # noqa: E402
from crm.migrate import upgrade  # noqa: E402

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "datasets" / "online_retail" / "online_retail.csv.gz"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    path: Path = args.path
    if not path.is_file():
        print(f"data file not found: {path} (pass --path)", file=sys.stderr)
        return 2
    progress = not args.no_progress

    started = time.perf_counter()
    parsed = parse_online_retail(path, progress=progress, max_lines=args.rows)
    baseline = time.perf_counter() - started

    with _store(args.database_url) as (url, label):
        engine = make_engine(url, create_missing=True)
        try:
            upgrade(engine)
            report = import_online_retail(engine, path, progress=progress, max_lines=args.rows)
        except AlreadyImported as error:
            print(f"{error}; point --database-url at an empty database", file=sys.stderr)
            return 1
        finally:
            engine.dispose()

    print(_results(label, parsed.lines_read, baseline, report))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=None, help="import only the first N data lines")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL server URL (a scratch database is created there); default: temporary SQLite",
    )
    parser.add_argument(
        "--path", type=Path, default=DEFAULT_DATA, help=f"data file (default: {DEFAULT_DATA})"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    args = parser.parse_args(argv)
    if args.rows is not None and args.rows <= 0:
        parser.error("--rows must be positive")
    return args


@contextmanager
def _store(database_url: str | None) -> Iterator[tuple[str, str]]:
    """(URL, description) of an empty database that disappears afterwards."""
    if database_url is None:
        with tempfile.TemporaryDirectory(prefix="crm-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'crm.db'}", "SQLite, temporary file"
        return
    server = make_url(database_url)
    if server.get_backend_name() != "postgresql":
        # Anything else is used as given: the caller owns that database.
        yield database_url, f"{server.get_backend_name()}, {server.render_as_string()}"
        return
    name = f"crm_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            scratch = server.set(database=name).render_as_string(hide_password=False)
            yield scratch, f"PostgreSQL, scratch database {name} on {server.host or 'localhost'}"
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _results(label: str, lines: int, baseline: float, report: ImportReport) -> str:
    total = report.elapsed_seconds
    rows = [
        ("read + parse only (baseline)", baseline, lines / baseline, baseline / baseline),
        ("full import", total, lines / total, total / baseline),
    ]
    header = f"{'phase':<32} {'seconds':>9} {'lines/s':>11} {'x baseline':>11}"
    table = [header, "-" * len(header)]
    table += [
        f"{name:<32} {seconds:>9.2f} {rate:>11,.0f} {ratio:>11.2f}" for name, seconds, rate, ratio in rows
    ]
    table.append(f"{'  of which writing (difference)':<32} {max(total - baseline, 0.0):>9.2f}")
    return "\n".join(
        [
            f"Online Retail import benchmark: {lines:,} lines into {label}",
            "",
            *table,
            "",
            report.table(),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
