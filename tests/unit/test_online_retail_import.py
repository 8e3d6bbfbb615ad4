"""The Online Retail importer: a hand-made sample in the real file's format, and the real file's head."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from crm.importers import AlreadyImported, OnlineRetailFormatError, import_online_retail
from crm.importers.online_retail import COUNTRY_LOCALES, locale_for
from crm.models import (
    Customer,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    Product,
    ProductKind,
)

REAL_FILE = (
    Path(__file__).resolve().parents[3] / "shared" / "datasets" / "online_retail" / "online_retail.csv.gz"
)

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
# Physical line numbers (the header is line 1) are what the report names for malformed lines.
SAMPLE_LINES = [
    # 2: a normal invoice with two lines, in British Summer Time (UTC = local - 1 h)
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2011-06-01 08:26:00,2.55,17850.0,United Kingdom",
    '536365,23843,"PAPER CRAFT , LITTLE BIRDIE",6,2011-06-01 08:26:00,3.39,17850.0,United Kingdom',
    # 4: postage for a German customer
    "536366,POST,POSTAGE,3,2011-06-02 10:00:00,18.0,12662.0,Germany",
    # 5: the first customer cancels part of their order (a credit invoice)
    "C536379,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-2,2011-06-03 09:41:00,2.55,17850.0,United Kingdom",
    # 6: a guest in winter (GMT: UTC = local), lower-case code for the same item, trailing blank
    "536544,85123a,WHITE HANGING HEART T-LIGHT HOLDER ,1,2010-12-01 14:32:00,4.95,,United Kingdom",
    # 7: bad-debt adjustment
    "A563185,B,Adjust bad debt,1,2011-08-12 14:50:00,11062.06,,United Kingdom",
    # 8: stock written off: negative quantity on a normal invoice, no customer, no price
    "536589,21777,damaged,-10,2010-12-01 16:50:00,0.0,,United Kingdom",
    # 9: a bad number
    "536600,22139,RETROSPOT TEA SET,lots,2010-12-01 17:00:00,4.25,13047.0,United Kingdom",
    # 10: missing columns
    "536601,22139,RETROSPOT TEA SET",
    # 11: stock found again: a guest "invoice" of free lines
    "550000,20735,found,5,2011-04-14 10:00:00,0.0,,United Kingdom",
]
TABLES = ("customers", "products", "orders", "order_lines", "order_status_events", "invoices")


def write_sample(path: Path, lines: list[str] = SAMPLE_LINES) -> Path:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as file:
        file.write("\n".join([HEADER, *lines]) + "\n")
    return path


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return write_sample(tmp_path / "online_retail.csv.gz")


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0 for table in TABLES}


def order(session: Session, number: str) -> Order:
    return session.scalars(select(Order).where(Order.number == number)).one()


def customer(session: Session, ref: str) -> Customer:
    return session.scalars(select(Customer).where(Customer.external_ref == ref)).one()


def test_sample_counts(store: Engine, sample: Path) -> None:
    report = import_online_retail(store, sample, progress=False)

    assert (report.lines_read, report.customers, report.products) == (10, 2, 3)
    assert (report.orders, report.order_lines, report.cancellations, report.invoices) == (4, 5, 1, 3)
    assert report.skipped == {
        "malformed": 2,
        "bad_debt_adjustment": 1,
        "stock_adjustment": 1,
        "zero_value_guest_invoice": 1,
    }
    assert report.malformed_lines == (9, 10)
    assert row_counts(store) == {
        "customers": 2,
        "products": 3,
        "orders": 4,
        "order_lines": 5,
        "order_status_events": 7,  # placed + delivered per sale, cancelled per credit
        "invoices": 3,
    }


def test_customers_get_zone_language_and_first_invoice_time_in_utc(store: Engine, sample: Path) -> None:
    import_online_retail(store, sample, progress=False)

    with Session(store) as session:
        british, german = customer(session, "OR-17850"), customer(session, "OR-12662")
    assert (british.name, british.email, british.country) == ("Customer 17850", None, "United Kingdom")
    assert (british.time_zone, british.language) == ("Europe/London", "en")
    # 08:26 on 1 June in London is BST, so 07:26 UTC; the later cancellation does not count.
    assert british.created_at == datetime(2011, 6, 1, 7, 26, tzinfo=UTC)
    assert (german.time_zone, german.language, german.country) == ("Europe/Berlin", "de", "Germany")


def test_normal_invoice_is_a_delivered_order_with_history_and_invoice(store: Engine, sample: Path) -> None:
    import_online_retail(store, sample, progress=False)

    with Session(store) as session:
        sale = order(session, "536365")
        assert (sale.status, sale.currency, sale.ship_country) == (
            OrderStatus.DELIVERED,
            "GBP",
            "United Kingdom",
        )
        assert sale.placed_at == datetime(2011, 6, 1, 7, 26, tzinfo=UTC)
        assert [event.status for event in sale.history] == [OrderStatus.PLACED, OrderStatus.DELIVERED]
        assert [(line.quantity, line.unit_price) for line in sale.lines] == [
            (6, Decimal("2.55")),
            (6, Decimal("3.39")),
        ]
        [invoice] = sale.invoices
        assert (invoice.number, invoice.amount) == ("OR-INV-536365", Decimal("35.64"))
        assert invoice.issued_at == sale.placed_at


def test_cancellation_keeps_negative_quantities_and_gets_no_invoice(store: Engine, sample: Path) -> None:
    import_online_retail(store, sample, progress=False)

    with Session(store) as session:
        credit = order(session, "C536379")
        assert credit.status is OrderStatus.CANCELLED
        assert [event.status for event in credit.history] == [OrderStatus.CANCELLED]
        assert [(line.quantity, line.unit_price) for line in credit.lines] == [(-2, Decimal("2.55"))]
        assert credit.invoices == []
        assert credit.customer_id == customer(session, "OR-17850").id


def test_guest_order_has_no_customer_and_winter_time_equals_utc(store: Engine, sample: Path) -> None:
    import_online_retail(store, sample, progress=False)

    with Session(store) as session:
        guest = order(session, "536544")
        assert guest.customer_id is None
        assert guest.placed_at == datetime(2010, 12, 1, 14, 32, tzinfo=UTC)
        [invoice] = guest.invoices
        assert invoice.amount == Decimal("4.95")


def test_products_merge_code_case_and_sort_postage_apart(store: Engine, sample: Path) -> None:
    import_online_retail(store, sample, progress=False)

    with Session(store) as session:
        products = {product.sku: product for product in session.scalars(select(Product))}
        counted = select(OrderLine.product_id, func.count()).group_by(OrderLine.product_id)
        lines_per_product = {product_id: count for product_id, count in session.execute(counted)}
    assert set(products) == {"OR-85123A", "OR-23843", "OR-POST"}
    heart = products["OR-85123A"]
    # The guest's "85123a" line is the same item; 2.55 is its most common price.
    assert (heart.name, heart.category, heart.kind) == (
        "WHITE HANGING HEART T-LIGHT HOLDER",
        "retail",
        ProductKind.CONSUMABLE,
    )
    assert heart.price == Decimal("2.55")
    assert lines_per_product[heart.id] == 3
    assert products["OR-23843"].name == "PAPER CRAFT , LITTLE BIRDIE"
    postage = products["OR-POST"]
    assert (postage.category, postage.kind, postage.price) == (
        "shipping",
        ProductKind.OTHER,
        Decimal("18.00"),
    )


def test_second_import_is_refused_and_changes_nothing(store: Engine, sample: Path) -> None:
    import_online_retail(store, sample, progress=False)
    before = row_counts(store)

    with pytest.raises(AlreadyImported, match="536365"):
        import_online_retail(store, sample, progress=False)

    assert row_counts(store) == before


def test_other_invoices_of_known_customers_reuse_them(store: Engine, sample: Path, tmp_path: Path) -> None:
    import_online_retail(store, sample, progress=False)
    later = write_sample(
        tmp_path / "later.csv.gz",
        [
            "581587,85123A,WHITE HANGING HEART T-LIGHT HOLDER,4,2011-12-09 12:50:00,2.95,17850.0,"
            "United Kingdom"
        ],
    )

    report = import_online_retail(store, later, progress=False)

    assert (report.customers, report.customers_reused, report.products, report.products_reused) == (
        0,
        1,
        0,
        1,
    )
    with Session(store) as session:
        assert order(session, "581587").customer_id == customer(session, "OR-17850").id
    assert row_counts(store)["customers"] == 2


def test_a_failure_while_writing_leaves_the_store_empty(
    store: Engine, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> int:
        raise RuntimeError("disk full")

    # The last write phase: customers, products, orders and lines are written by then.
    monkeypatch.setattr("crm.importers.online_retail._Writer.invoices", crash)

    with pytest.raises(RuntimeError, match="disk full"):
        import_online_retail(store, sample, progress=False)

    assert set(row_counts(store).values()) == {0}


def test_missing_file_is_a_clear_error(store: Engine, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv.gz"

    with pytest.raises(FileNotFoundError, match=r"Online Retail data file not found: .*nowhere\.csv\.gz"):
        import_online_retail(store, missing, progress=False)

    assert set(row_counts(store).values()) == {0}


def test_a_foreign_csv_is_refused_by_its_header(store: Engine, tmp_path: Path) -> None:
    foreign = tmp_path / "other.csv.gz"
    with gzip.open(foreign, "wt", encoding="utf-8") as file:
        file.write("order,sku,qty\n1,A,2\n")

    with pytest.raises(OnlineRetailFormatError, match="InvoiceNo"):
        import_online_retail(store, foreign, progress=False)


def test_without_progress_nothing_is_printed(
    store: Engine, sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_online_retail(store, sample, progress=False)

    assert capsys.readouterr() == ("", "")


def test_with_progress_the_phases_are_shown(
    store: Engine, sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_online_retail(store, sample, progress=True)

    shown = capsys.readouterr().err
    assert all(phase in shown for phase in ("reading", "orders", "order_lines", "invoices"))


@pytest.mark.parametrize(
    ("country", "zone", "language"),
    [
        ("United Kingdom", "Europe/London", "en"),
        ("EIRE", "Europe/Dublin", "en"),
        ("Germany", "Europe/Berlin", "de"),
        ("USA", "America/New_York", "en"),
        ("Australia", "Australia/Sydney", "en"),
        ("Unspecified", "UTC", "en"),
        ("Atlantis", "UTC", "en"),
    ],
)
def test_country_locales(country: str, zone: str, language: str) -> None:
    assert locale_for(country) == (zone, language)


def test_every_mapped_time_zone_exists() -> None:
    for zone, _ in COUNTRY_LOCALES.values():
        ZoneInfo(zone)  # raises for a misspelt name


@pytest.mark.skipif(not REAL_FILE.is_file(), reason=f"shared data set not present at {REAL_FILE}")
def test_real_file_head_imports_plausibly(store: Engine) -> None:
    report = import_online_retail(store, REAL_FILE, progress=False, max_lines=5_000)

    assert report.lines_read == 5_000
    assert min(report.customers, report.products, report.orders, report.cancellations, report.invoices) > 0
    # Every line is accounted for: imported or skipped for a reason.
    assert report.order_lines + sum(report.skipped.values()) == 5_000
    with Session(store) as session:
        orders_without_lines = session.scalar(
            select(func.count()).select_from(Order).where(~Order.lines.any())
        )
        first = session.scalars(select(Order).order_by(Order.placed_at).limit(1)).one()
        timestamps = [
            *session.scalars(select(Order.placed_at)),
            *session.scalars(select(Customer.created_at)),
            *session.scalars(select(OrderStatusEvent.occurred_at)),
            *session.scalars(select(Invoice.issued_at)),
        ]
    assert orders_without_lines == 0
    # The file starts with invoice 536365 at 08:26 on 1 December 2010 (GMT, so the same in UTC).
    assert (first.number, first.placed_at) == ("536365", datetime(2010, 12, 1, 8, 26, tzinfo=UTC))
    assert timestamps
    assert all(
        stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0 for stamp in timestamps
    )
