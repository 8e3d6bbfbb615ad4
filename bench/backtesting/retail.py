"""The Online Retail file as column arrays, and the time split every backtest shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from crm.importers.online_retail_parse import parse_online_retail
from proactive.predictors.churn import HORIZON_DAYS, PurchaseLog, day_number

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Retail:
    """Purchases by known customers: cancellations (credit notes) and guest invoices left out."""

    # One row per invoice line with a positive quantity.
    line_customer: IntArray
    line_product: IntArray
    line_day: FloatArray  # days since the Unix epoch, UTC
    line_quantity: FloatArray
    # One row per invoice.
    orders: PurchaseLog
    product_names: list[str]
    customers: int

    @property
    def first_day(self) -> float:
        return float(self.line_day.min())

    @property
    def last_day(self) -> float:
        return float(self.line_day.max())


@dataclass(frozen=True)
class Split:
    """Test cutoff, and the training cutoff 13 weeks earlier: every parameter is fitted before it."""

    cutoff: float
    train_cutoff: float
    end: float  # the data's last day: the test period is [cutoff, end]

    @classmethod
    def for_data(cls, retail: Retail, cutoff: datetime | None = None) -> Split:
        """Default cutoff: the first of the month at least 13 weeks before the data ends."""
        end = retail.last_day
        if cutoff is None:
            latest = datetime.fromtimestamp(end * 86400.0, UTC) - timedelta(days=HORIZON_DAYS)
            cutoff = datetime(latest.year, latest.month, 1, tzinfo=UTC)
        chosen = day_number(cutoff)
        if not retail.first_day + 2 * HORIZON_DAYS <= chosen <= end - HORIZON_DAYS:
            raise ValueError(
                "the cutoff needs 26 weeks of data before it and 13 weeks after it "
                f"(data: {_date(retail.first_day)} to {_date(end)}, cutoff {_date(chosen)})"
            )
        return cls(cutoff=chosen, train_cutoff=chosen - HORIZON_DAYS, end=end)


def load_retail(path: Path, *, progress: bool = True) -> Retail:
    parsed = parse_online_retail(path, progress=progress)
    customers: dict[str, int] = {}
    products: dict[str, int] = {}
    names: list[str] = []
    line_rows: list[tuple[int, int, float, int]] = []
    order_rows: list[tuple[int, float, float]] = []
    for invoice in parsed.invoices:
        if invoice.cancellation or invoice.customer_ref is None:
            continue
        customer = customers.setdefault(invoice.customer_ref, len(customers))
        day = day_number(invoice.placed_at)
        amount = 0.0
        for code, description, quantity, price in invoice.lines:
            if quantity <= 0:
                continue
            product = products.setdefault(code, len(products))
            if product == len(names):
                names.append(description)
            line_rows.append((customer, product, day, quantity))
            amount += float(price) * quantity
        order_rows.append((customer, day, amount))
    if not line_rows:
        raise ValueError(f"{path} holds no purchase by a known customer")
    line_array = np.array(line_rows, dtype=np.float64)
    order_array = np.array(order_rows, dtype=np.float64)
    return Retail(
        line_customer=line_array[:, 0].astype(np.int64),
        line_product=line_array[:, 1].astype(np.int64),
        line_day=line_array[:, 2],
        line_quantity=line_array[:, 3],
        orders=PurchaseLog(
            customer=order_array[:, 0].astype(np.int64), day=order_array[:, 1], amount=order_array[:, 2]
        ),
        product_names=names,
        customers=len(customers),
    )


def _date(day: float) -> str:
    return datetime.fromtimestamp(day * 86400.0, UTC).date().isoformat()
