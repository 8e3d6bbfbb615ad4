"""The Online Retail importer on a real PostgreSQL: timestamptz, numerics, RETURNING and one transaction."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from crm.importers import AlreadyImported, import_online_retail
from crm.models import Customer, Order, OrderStatus

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
SAMPLE_LINES = [
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2011-06-01 08:26:00,2.55,17850.0,United Kingdom",
    '536365,23843,"PAPER CRAFT , LITTLE BIRDIE",6,2011-06-01 08:26:00,3.39,17850.0,United Kingdom',
    "536366,POST,POSTAGE,3,2011-06-02 10:00:00,18.0,12662.0,Germany",
    "C536379,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-2,2011-06-03 09:41:00,2.55,17850.0,United Kingdom",
    "536544,85123a,WHITE HANGING HEART T-LIGHT HOLDER ,1,2010-12-01 14:32:00,4.95,,United Kingdom",
    "A563185,B,Adjust bad debt,1,2011-08-12 14:50:00,11062.06,,United Kingdom",
    "536589,21777,damaged,-10,2010-12-01 16:50:00,0.0,,United Kingdom",
    "536600,22139,RETROSPOT TEA SET,lots,2010-12-01 17:00:00,4.25,13047.0,United Kingdom",
    "550000,20735,found,5,2011-04-14 10:00:00,0.0,,United Kingdom",
]
TABLES = ("customers", "products", "orders", "order_lines", "order_status_events", "invoices")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "online_retail.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as file:
        file.write("\n".join([HEADER, *SAMPLE_LINES]) + "\n")
    return path


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0 for table in TABLES}


def test_sample_import_on_postgres(postgres_store: Engine, sample: Path) -> None:
    report = import_online_retail(postgres_store, sample, progress=False)

    assert (report.customers, report.products, report.orders, report.order_lines) == (2, 3, 4, 5)
    assert (report.cancellations, report.invoices) == (1, 3)
    assert report.skipped == {
        "malformed": 1,
        "bad_debt_adjustment": 1,
        "stock_adjustment": 1,
        "zero_value_guest_invoice": 1,
    }
    with Session(postgres_store) as session:
        british = session.scalars(select(Customer).where(Customer.external_ref == "OR-17850")).one()
        assert (british.time_zone, british.created_at) == (
            "Europe/London",
            datetime(2011, 6, 1, 7, 26, tzinfo=UTC),
        )
        orders = {o.number: o for o in session.scalars(select(Order))}
        credit, guest, sale = orders["C536379"], orders["536544"], orders["536365"]
        assert credit.status is OrderStatus.CANCELLED
        assert [(line.quantity, line.unit_price) for line in credit.lines] == [(-2, Decimal("2.55"))]
        assert guest.customer_id is None
        assert [invoice.amount for invoice in sale.invoices] == [Decimal("35.64")]
    # PostgreSQL itself holds the instant, not a wall-clock string.
    with postgres_store.connect() as connection:
        stored = connection.scalar(
            text("SELECT placed_at AT TIME ZONE 'UTC' FROM orders WHERE number = '536365'")
        )
    assert stored == datetime(2011, 6, 1, 7, 26)


def test_second_import_on_postgres_is_refused_and_changes_nothing(
    postgres_store: Engine, sample: Path
) -> None:
    import_online_retail(postgres_store, sample, progress=False)
    before = row_counts(postgres_store)

    with pytest.raises(AlreadyImported):
        import_online_retail(postgres_store, sample, progress=False)

    assert row_counts(postgres_store) == before
