"""Scale: a shop of a million customers and ten million order lines, and one full planning pass.

    .venv/bin/python bench/scale.py [--customers 1000000] [--lines 10000000] [--backend postgresql|sqlite]

Not part of `make test`. On PostgreSQL it creates a database `scale` on 127.0.0.1:5432 (user
postgres, SCALE_POSTGRES_ADMIN_URL to change) and drops it afterwards (--keep keeps it); on
SQLite it writes a temporary file. Generated with progress:

- the demo catalogue's products;
- customers (half with Telegram linked, all with e-mail), their preferences and consents
  (service everywhere, marketing for 60 %);
- orders of one to three lines over the last two years: consumables on each customer's own
  rhythm, devices now and then. PostgreSQL gets them by COPY, SQLite by executemany in big
  transactions.

Then the three demo triggers' full scoring + policy + outbox pass (`plan_all`), timed, with the
process's peak memory (ru_maxrss). Goals (issue 10): <= 60 s and <= 2 GB on PostgreSQL.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import os
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm.db import make_engine
from crm.demo.catalog import CATALOG
from crm.migrate import upgrade
from crm.models.enums import ProductKind
from crm.uow import UnitOfWork
from proactive.planner import plan_all
from proactive.policy import PolicySettings
from proactive.triggers import seed_triggers

ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
DATABASE = "scale"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CHUNK = 200_000
COUNTRIES = ("Germany", "Austria", "Switzerland", "Netherlands", "France")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse", action="store_true", help="time the pass on the database a --keep run left (fresh process)"
    )
    parser.add_argument("--profile", action="store_true", help="print the pass's 25 costliest functions")
    parser.add_argument("--no-pass", action="store_true", help="generate only (with --keep, for --reuse)")
    args = parser.parse_args()
    admin_url = os.environ.get("SCALE_POSTGRES_ADMIN_URL", ADMIN_URL)
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    if args.reuse:
        url = make_url(admin_url).set(database=DATABASE).render_as_string(hide_password=False)
    else:
        url = (
            _create_database(admin_url)
            if args.backend == "postgresql"
            else f"sqlite:///{workdir / 'scale.db'}"
        )
    engine = make_engine(url, create_missing=True)
    try:
        if args.reuse:
            with engine.begin() as connection:
                connection.execute(text("DELETE FROM proactive_decisions"))
                connection.execute(text("DELETE FROM outbox_messages"))
        else:
            upgrade(engine)
            started = time.perf_counter()
            counts = generate(engine, args.customers, args.lines, np.random.default_rng(args.seed))
            generated = time.perf_counter() - started
            print(f"[scale] generated {counts} in {generated:.0f} s", flush=True)
            seed_triggers(UnitOfWork.for_engine(engine), NOW - timedelta(days=1))
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        if args.no_pass:
            return
        before = _peak_mb()
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        summaries = plan_all(
            UnitOfWork.for_engine(engine), NOW, PolicySettings(weekly_cap=3, control_percent=5)
        )
        seconds = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        for summary in summaries:
            print(f"[scale]   {summary}", flush=True)
        print(
            f"[scale] full pass on {engine.dialect.name}: {seconds:.1f} s (goal <= 60 s), peak memory "
            f"{_peak_mb():.0f} MB (before the pass {before:.0f} MB; goal <= 2048 MB)",
            flush=True,
        )
    finally:
        engine.dispose()
        if args.backend == "postgresql" and not args.keep and not args.reuse:
            _drop_database(admin_url)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _create_database(admin_url: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return make_url(admin_url).set(database=DATABASE).render_as_string(hide_password=False)


def _drop_database(admin_url: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    admin.dispose()


def generate(engine: Engine, customers: int, lines: int, rng: np.random.Generator) -> dict[str, int]:
    """Writes the shop; returns the row counts."""
    products = _products(engine)
    kinds = np.array([kind for _, kind, _, _ in products])
    consumables = np.flatnonzero(kinds == ProductKind.CONSUMABLE.value)
    devices = np.flatnonzero(kinds == ProductKind.DEVICE.value)
    ids = np.array([pid for pid, _, _, _ in products])
    prices = np.array([price for _, _, price, _ in products])
    customer_ids = np.arange(1, customers + 1)
    created = NOW - timedelta(days=900)
    _write(engine, "customers",
           ("id", "external_ref", "name", "email", "time_zone", "language", "country", "created_at"),
           ((int(c), f"S{c:07d}", f"Customer {c}", f"s{c}@example.com", "Europe/Berlin", "de",
             COUNTRIES[c % len(COUNTRIES)], created) for c in customer_ids.tolist()),
           customers, "customers")  # fmt: skip
    _write(engine, "communication_preferences",
           ("customer_id", "preferred_channel", "max_proactive_per_week", "message_style"),
           ((int(c), "telegram" if c % 2 else "email", 3, "short") for c in customer_ids.tolist()),
           customers, "preferences")  # fmt: skip
    _write(engine, "channel_identities",
           ("customer_id", "channel", "external_id", "link_state", "linked_at"),
           ((int(c), "telegram", str(10_000_000 + c), "linked", created)
            for c in customer_ids.tolist() if c % 2),
           customers // 2, "telegram links")  # fmt: skip

    def consents() -> Iterator[tuple[object, ...]]:
        for c in customer_ids.tolist():
            for channel in ("telegram", "email", "web"):
                yield (c, "service", channel, True, created, "signup")
                if c % 5 < 3:
                    yield (c, "marketing", channel, True, created, "signup")

    _write(engine, "consents", ("customer_id", "purpose", "channel", "granted", "recorded_at", "source"),
           consents(), customers * 5, "consents")  # fmt: skip
    # Orders: each customer has a staple consumable with a rhythm of 20-60 days; order counts
    # follow from the line budget (about 1.25 lines per order).
    orders_total = int(lines / 1.25)
    order_customer = np.sort(rng.integers(1, customers + 1, orders_total))
    staple = consumables[customer_ids % consumables.size]
    rhythm = 20 + (customer_ids * 7919 % 41)
    # Position of each order within its customer's sequence, counted back from a recent last order.
    first = np.r_[0, np.flatnonzero(np.diff(order_customer)) + 1]
    index = np.arange(orders_total) - np.repeat(first, np.diff(np.r_[first, orders_total]))
    count = np.bincount(order_customer, minlength=customers + 1)[order_customer]
    last_days_ago = (order_customer * 104729 % 60).astype(float)
    days_ago = last_days_ago + (count - 1 - index) * rhythm[order_customer - 1] * rng.lognormal(
        0, 0.15, orders_total
    )
    days_ago = np.minimum(days_ago, 890)
    placed = np.datetime64(NOW.replace(tzinfo=None)) - (days_ago * 86400).astype("timedelta64[s]")
    order_ids = np.arange(1, orders_total + 1)
    _write(engine, "orders",
           ("id", "number", "customer_id", "placed_at", "status", "currency", "ship_country"),
           ((int(o), str(10_000_000 + o), int(c), p.astype(datetime).replace(tzinfo=UTC), "delivered", "EUR",
             COUNTRIES[int(c) % len(COUNTRIES)])
            for o, c, p in zip(order_ids.tolist(), order_customer.tolist(), placed, strict=True)),
           orders_total, "orders")  # fmt: skip
    extra = lines - orders_total
    line_order = np.r_[order_ids, rng.integers(1, orders_total + 1, max(extra, 0))]
    line_product = np.r_[staple[order_customer - 1], rng.choice(np.r_[consumables, devices], max(extra, 0))]
    quantity = rng.integers(1, 4, line_order.size)

    def order_lines() -> Iterator[tuple[object, ...]]:
        for n, (o, p, q) in enumerate(
            zip(line_order.tolist(), line_product.tolist(), quantity.tolist(), strict=True)
        ):
            yield (n + 1, o, int(ids[p]), q, f"{prices[p]:.2f}")

    _write(engine, "order_lines", ("id", "order_id", "product_id", "quantity", "unit_price"),
           order_lines(), line_order.size, "order lines")  # fmt: skip
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("customers", "orders", "order_lines", "channel_identities", "consents"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))  # fmt: skip
    return {"customers": customers, "orders": orders_total, "order_lines": int(line_order.size)}


def _products(engine: Engine) -> list[tuple[int, str, float, int | None]]:
    with engine.begin() as connection:
        for number, product in enumerate(CATALOG, start=1):
            connection.execute(
                text(
                    "INSERT INTO products (id, sku, name, category, kind, price, use_up_days, "
                    "service_interval_days) "
                    "VALUES (:id, :sku, :name, :category, :kind, :price, :use_up, :service)"
                ),
                {
                    "id": number, "sku": product.sku, "name": product.name, "category": product.category,
                    "kind": product.kind.value, "price": str(product.price), "use_up": product.use_up_days,
                    "service": product.service_interval_days,
                },
            )  # fmt: skip
        rows = connection.execute(text("SELECT id, kind, price, use_up_days FROM products ORDER BY id")).all()
    return [(int(r[0]), str(r[1]), float(r[2]), r[3]) for r in rows]


def _write(
    engine: Engine, table: str, columns: tuple[str, ...], rows: Iterable[tuple[object, ...]],
    total: int, label: str,
) -> None:  # fmt: skip
    """COPY on PostgreSQL, executemany on SQLite, in chunks, with a progress bar."""
    bar = tqdm(total=total, desc=f"[scale] {label}", unit=" rows", mininterval=2, file=sys.stdout)
    iterator = iter(rows)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous = OFF")
        while True:
            chunk = [row for _, row in zip(range(CHUNK), iterator, strict=False)]
            if not chunk:
                break
            if engine.dialect.name == "postgresql":
                buffer = io.StringIO()
                csv.writer(buffer).writerows(chunk)
                buffer.seek(0)
                cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer
                )
            else:
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(_sqlite(value) for value in row) for row in chunk],
                )
            raw.commit()
            bar.update(len(chunk))
    finally:
        raw.close()
        bar.close()


def _sqlite(value: object) -> object:
    # SQLAlchemy stores UTC datetimes on SQLite as naive ISO text; do the same.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


if __name__ == "__main__":
    main()
