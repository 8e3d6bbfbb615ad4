"""When will each customer run out of each consumable they buy?

The estimate is the backtested one (`proactive.predictors.rhythm`, docs/outcomes.md): per customer x
product pair, the mean of log(days between two purchases / packs bought at the first), shrunk toward
the product's typical log(days per pack) (its `use_up_days`, else the median over all customers)
with weight n / (n + PRIOR_WEIGHT) on the pair's own n intervals. The run-out date is the last
purchase plus the packs bought then times the shrunk days per pack: `last_day + usual_interval_days`.
Every pair of the shop is scored in one numpy call; nothing here loops over purchases.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Integer, Select, cast, select
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION

from crm.models import Order, OrderLine, Product, ProductKind
from crm.repositories.orders import NOT_USED_UP
from crm.uow import UnitOfWork
from proactive.predictors.base import Candidate, day_text, order_epoch_days
from proactive.predictors.rhythm import (
    IntervalTable,
    RhythmParameters,
    estimate,
    interval_table,
    log_rate_spread,
    product_priors,
)

# How many intervals' worth of belief the product's typical rhythm carries.
PRIOR_WEIGHT = 2.0
# Packs are used up at a pace: three packs last three times as long as one (beta = 1).
PARAMETERS = RhythmParameters(prior_weight=PRIOR_WEIGHT, quantity_exponent=1.0)
# Overdue by more than this: they buy elsewhere or stopped; a reminder would be noise.
MAX_OVERDUE_DAYS = 14
BASE_CONFIDENCE = 0.3
PAIR = 10_000_000  # pair key = customer * PAIR + product
DAY = 86400.0
STREAM_ROWS = 250_000


@dataclass(frozen=True)
class Rhythm:
    """One customer's rhythm for one product."""

    purchases: int
    intervals: int
    own_days_per_unit: float | None  # None with a single purchase
    days_per_unit: float  # shrunk toward the product's typical rhythm
    last_at: datetime
    last_quantity: int
    run_out_at: datetime
    confidence: float


@dataclass(frozen=True)
class _Scored:
    table: IntervalTable
    days_per_unit: np.ndarray
    run_out_day: np.ndarray
    confidence: np.ndarray


def rhythm(purchases: Sequence[tuple[datetime, int]], typical_days_per_unit: float) -> Rhythm:
    """The rhythm of one customer and product from (placed_at, quantity) pairs (any order)."""
    origin = min(placed_at for placed_at, _ in purchases)
    day = np.array([(placed_at - origin).total_seconds() / DAY for placed_at, _ in purchases])
    table = interval_table(
        np.zeros(day.size, dtype=np.int64), day, np.array([q for _, q in purchases], float)
    )
    scored = _score(table, np.array([np.log(typical_days_per_unit)]))
    n = int(table.intervals[0])
    own = float(np.exp(table.log_interval_sum[0] / n - table.log_quantity_sum[0] / n)) if n else None
    return Rhythm(
        purchases=n + 1,
        intervals=n,
        own_days_per_unit=own,
        days_per_unit=float(scored.days_per_unit[0]),
        last_at=origin + timedelta(days=float(table.last_day[0])),
        last_quantity=int(table.last_quantity[0]),
        run_out_at=origin + timedelta(days=float(scored.run_out_day[0])),
        confidence=float(scored.confidence[0]),
    )


def _history_columns(
    uow: UnitOfWork, as_of: datetime
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every consumable bought up to `as_of` as column arrays: customer, product, quantity, day.

    The same lines `uow.orders.consumable_lines` counts for one customer (cancelled, returned
    and refunded orders never count), but the day number (relative to `as_of`, negative: the
    past) is computed by the database and no datetime or ORM row is built per line: ten million
    lines stay a few arrays (bench/scale.py).
    """
    epoch_days = order_epoch_days(uow.session.get_bind().dialect.name)
    query = (
        select(Order.customer_id, OrderLine.product_id, OrderLine.quantity, epoch_days)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(
            Order.customer_id.is_not(None),
            Order.status.not_in(NOT_USED_UP),
            Order.placed_at <= as_of,
            Product.kind == ProductKind.CONSUMABLE,
            OrderLine.quantity > 0,
        )
    )
    if uow.session.get_bind().dialect.name == "postgresql":
        customer, product, quantity, epoch = _copied_columns(uow, query)
        return customer, product, quantity, epoch - as_of.timestamp() / DAY
    # Streamed in slices: ten million lines never sit in
    # memory as Python tuples at once, only as the four arrays.
    # The options go on the statement: on the connection they would stay for the planner's writes.
    result = uow.session.connection().execute(
        query.execution_options(stream_results=True, yield_per=STREAM_ROWS)
    )
    parts: list[np.ndarray] = []
    for rows in result.partitions():
        # Column by column: numpy reads plain tuples ten times faster than SQLAlchemy rows.
        parts.append(np.array([np.array(column, dtype=np.float64) for column in zip(*rows, strict=True)]))
    if not parts:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty, empty
    columns = np.concatenate(parts, axis=1)
    return (
        columns[0].astype(np.int64),
        columns[1].astype(np.int64),
        columns[2],
        columns[3] - as_of.timestamp() / DAY,
    )


# One row of `COPY ... (FORMAT binary)` for (int4, int4, int4, float8), none NULL: the field
# count, then each field's byte length and its big-endian value.
_COPY_ROW = np.dtype(
    [("fields", ">i2"), ("n0", ">i4"), ("customer", ">i4"), ("n1", ">i4"), ("product", ">i4"),
     ("n2", ">i4"), ("quantity", ">i4"), ("n3", ">i4"), ("epoch_days", ">f8")]
)  # fmt: skip
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _copied_columns(
    uow: UnitOfWork, query: Select[Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """PostgreSQL: the history by `COPY (query) TO STDOUT` in binary, read by numpy in one go.

    Eight million lines through the driver's cursor cost 27 s of Python tuples; the binary
    copy is fixed-width rows numpy reads without a Python object per value (bench/scale.py).
    """
    columns = list(query.subquery().c)
    typed = select(*(cast(column, Integer) for column in columns[:3]), cast(columns[3], DOUBLE_PRECISION))
    connection = uow.session.connection()
    sql = str(typed.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    buffer = io.BytesIO()
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(f"COPY ({sql}) TO STDOUT (FORMAT binary)", buffer)
    finally:
        cursor.close()
    data = buffer.getbuffer()
    if bytes(data[:11]) != _COPY_SIGNATURE:
        raise ValueError("COPY answered without the binary signature")
    start = 19 + int.from_bytes(data[15:19], "big")  # signature, flags, header extension
    body = data[start : len(data) - 2]  # the trailer: a field count of -1
    if len(body) % _COPY_ROW.itemsize:
        raise ValueError("COPY rows are not of the expected width")
    rows = np.frombuffer(body, dtype=_COPY_ROW)
    if rows.size and not (
        (rows["fields"] == 4).all()
        and (rows["n0"] == 4).all()
        and (rows["n1"] == 4).all()
        and (rows["n2"] == 4).all()
        and (rows["n3"] == 8).all()
    ):
        raise ValueError("COPY rows are not (int4, int4, int4, float8)")
    return (
        rows["customer"].astype(np.int64),
        rows["product"].astype(np.int64),
        rows["quantity"].astype(np.float64),
        rows["epoch_days"].astype(np.float64),
    )


def _score(table: IntervalTable, prior_log_rate: np.ndarray) -> _Scored:
    found = estimate(table, prior_log_rate, 0.0, PARAMETERS)
    n = table.intervals.astype(np.float64)
    weight = n / (n + PRIOR_WEIGHT)
    # Steady rhythms earn trust; erratic ones (a log-spread near 1, a coefficient of variation
    # near 1) do not; one interval says nothing about steadiness.
    steadiness = np.where(n >= 2, np.maximum(0.0, 1.0 - log_rate_spread(table, 1.0)), 0.5)
    confidence = np.round(np.minimum(1.0, BASE_CONFIDENCE + (1 - BASE_CONFIDENCE) * weight * steadiness), 3)
    return _Scored(
        table=table,
        days_per_unit=found.usual_interval_days / table.last_quantity,
        run_out_day=table.last_day + found.usual_interval_days,
        confidence=confidence,
    )


def candidates(
    uow: UnitOfWork,
    as_of: datetime,
    *,
    horizon_days: int = 3,
    max_overdue_days: int = MAX_OVERDUE_DAYS,
) -> list[Candidate]:
    """Customers who run out of a consumable between `max_overdue_days` ago and `horizon_days` ahead.

    Reads only purchases placed up to `as_of` (cancelled, returned and refunded ones never
    count), so a replay of a past day sees that day's history. Call inside `with uow:`.
    """
    products = {
        row.id: row
        for row in uow.session.execute(
            select(Product.id, Product.name, Product.use_up_days).where(
                Product.kind == ProductKind.CONSUMABLE
            )
        )
    }
    customer, product, quantity, day = _history_columns(uow, as_of)
    if not customer.size:
        return []
    table = interval_table(customer * PAIR + product, day, quantity)
    product_of_pair = table.pairs % PAIR
    observed = product_priors(table, product_of_pair, 1.0)
    prior = np.array(
        [
            np.log(products[p].use_up_days) if products[p].use_up_days else observed.get(p, np.nan)
            for p in product_of_pair.tolist()
        ],
        dtype=np.float64,
    )
    known = ~np.isnan(prior)  # a product with no catalogue figure and too few intervals: no guess
    scored = _score(table, np.where(known, prior, 0.0))
    chosen = known & (scored.run_out_day >= -max_overdue_days) & (scored.run_out_day <= horizon_days)
    found: list[Candidate] = []
    for index in np.flatnonzero(chosen).tolist():
        product_id = int(product_of_pair[index])
        due_at = as_of + timedelta(days=float(scored.run_out_day[index]))
        found.append(
            Candidate(
                customer_id=int(table.pairs[index] // PAIR),
                subject=f"product:{product_id}",
                due_at=due_at,
                confidence=float(scored.confidence[index]),
                facts={
                    "product_id": product_id,
                    "product": products[product_id].name,
                    "quantity": int(table.last_quantity[index]),
                    "days_since": int(-table.last_day[index]),
                    "usual_days": round(float(scored.days_per_unit[index] * table.last_quantity[index])),
                    "due_date": due_at.date().isoformat(),
                    "due_day": day_text(due_at.date()),
                    "purchases": int(table.intervals[index]) + 1,
                },
            )
        )
    return found
