"""Reading the UCI Online Retail CSV into per-invoice drafts, without touching the store.

The file is streamed (csv module over gzip) and aggregated in dicts, so the writer can bulk-insert
whole tables; only the drafts (about 26,000 invoices) stay in memory, not parsed row objects.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tqdm import tqdm

COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)

# Skip reasons, as counted in the report.
MALFORMED = "malformed"
BAD_DEBT_ADJUSTMENT = "bad_debt_adjustment"  # "A" invoices: accounting entries, not sales
STOCK_ADJUSTMENT = "stock_adjustment"  # negative quantity on a normal invoice: damaged, lost, ...
# A guest "invoice" whose lines are all free ("found", "check", "adjustment"): stock booked back
# in, not a sale; keeping it would add thousands of zero-value orders and name products "check".
ZERO_VALUE_GUEST_INVOICE = "zero_value_guest_invoice"

MALFORMED_LINES_KEPT = 10
CENT = Decimal("0.01")
# The store's column widths; SQLite ignores them but PostgreSQL refuses longer values.
MAX_ORDER_NUMBER = 20
MAX_STOCK_CODE = 40 - len("OR-")
MAX_COUNTRY = 64
MAX_PRODUCT_NAME = 200
GZIP_MAGIC = b"\x1f\x8b"
# The UCI spreadsheet's own export format, for copies that were not re-saved as ISO dates.
US_DATE_FORMAT = "%m/%d/%Y %H:%M"

# (stock code, description, quantity, unit price): a plain tuple, the cheapest per-row object.
LineDraft = tuple[str, str, int, Decimal]


class OnlineRetailFormatError(ValueError):
    """The file is not the Online Retail CSV (no header or missing columns)."""


@dataclass(slots=True)
class InvoiceDraft:
    number: str
    customer_ref: str | None  # the CustomerID digits; None for guests
    country: str
    placed_at: datetime  # UTC; the earliest line time (a few invoices span a minute boundary)
    cancellation: bool
    lines: list[LineDraft] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((price * quantity for _, _, quantity, price in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    ref: str
    country: str  # the country of most of their invoices
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class ProductDraft:
    code: str  # upper-cased StockCode
    name: str
    price: Decimal  # the most common non-zero unit price


@dataclass(frozen=True)
class ParsedFile:
    lines_read: int
    invoices: list[InvoiceDraft]  # kept invoices, in file order
    customers: list[CustomerDraft]
    products: list[ProductDraft]
    skipped: dict[str, int]
    malformed_lines: tuple[int, ...]  # the first few, 1-based physical line numbers (header = 1)


def parse_online_retail(path: Path, *, progress: bool = False, max_lines: int | None = None) -> ParsedFile:
    """Reads the file (gzipped or plain CSV) into drafts; `max_lines` stops after that many data lines.

    Raises FileNotFoundError for a missing file and OnlineRetailFormatError for a foreign one;
    bad lines are counted, never raised.
    """
    if not path.is_file():
        raise FileNotFoundError(
            f"Online Retail data file not found: {path} (expected the UCI CSV, gzipped or plain)"
        )
    with _open_rows(path, progress) as reader:
        reading = _RowParser(_column_picker(next(reader, None), path))
        reading.consume(reader, max_lines)
    invoices = reading.kept_invoices()
    return ParsedFile(
        lines_read=reading.lines_read,
        invoices=invoices,
        customers=_customers(invoices),
        products=_products(invoices),
        skipped=dict(reading.skipped),
        malformed_lines=tuple(reading.malformed_lines),
    )


@contextmanager
def _open_rows(path: Path, progress: bool) -> Iterator[Any]:
    with path.open("rb") as raw:
        gzipped = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        # The bar follows the compressed bytes read: the only size known before decompressing.
        with tqdm.wrapattr(
            raw,
            "read",
            total=path.stat().st_size,
            desc="reading",
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            disable=not progress,
        ) as counted:
            binary = gzip.GzipFile(fileobj=counted) if gzipped else counted
            # utf-8-sig drops a spreadsheet's BOM; "replace" keeps a stray latin-1 "£" from
            # aborting a half-million-line import over one description.
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
            yield csv.reader(text)


def _column_picker(header: list[str] | None, path: Path) -> itemgetter[Any]:
    if header is None:
        raise OnlineRetailFormatError(f"{path} is empty: expected the Online Retail CSV header")
    names = [name.strip() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise OnlineRetailFormatError(
            f"{path} is not the Online Retail CSV: missing column(s) {', '.join(missing)}"
        )
    return itemgetter(*(names.index(column) for column in COLUMNS))


class _RowParser:
    """One pass over the rows; caches parsed dates, prices and ids, which repeat a great deal."""

    def __init__(self, pick: itemgetter[Any]) -> None:
        self._pick = pick
        self._london: tzinfo = ZoneInfo("Europe/London")
        self._times: dict[str, datetime] = {}
        self._prices: dict[str, Decimal] = {}
        self._customer_refs: dict[str, str] = {}
        self.invoices: dict[str, InvoiceDraft] = {}
        self.lines_read = 0
        self.skipped: Counter[str] = Counter()
        self.malformed_lines: list[int] = []

    def consume(self, reader: Any, max_lines: int | None) -> None:
        # The try sits outside the loop so the common path pays nothing for it; a csv.Error
        # (a runaway quoted field) costs one line, then reading resumes.
        while True:
            try:
                for row in reader:
                    self.lines_read += 1
                    try:
                        self._add(row)
                    except (ValueError, TypeError, IndexError, InvalidOperation):
                        self._malformed(reader.line_num)
                    if self.lines_read == max_lines:
                        return
                return
            except csv.Error:
                self.lines_read += 1
                self._malformed(reader.line_num)

    def _add(self, row: list[str]) -> None:
        number, code, description, quantity_text, date_text, price_text, customer_text, country = self._pick(
            row
        )
        number = number.strip()
        kind = number[:1]
        if kind == "C":
            cancellation = True
        elif kind.isdigit():
            cancellation = False
        elif kind == "A":
            self.skipped[BAD_DEBT_ADJUSTMENT] += 1
            return
        else:
            raise ValueError(f"unknown invoice number {number!r}")
        quantity = int(quantity_text)
        if quantity < 0 and not cancellation:
            self.skipped[STOCK_ADJUSTMENT] += 1
            return
        code = code.strip().upper()  # "85123a" and "85123A" are the same item
        if quantity == 0 or not code or len(code) > MAX_STOCK_CODE or len(number) > MAX_ORDER_NUMBER:
            raise ValueError("zero quantity, or a missing or overlong code")
        price = self._prices.get(price_text)
        if price is None:
            price = self._prices[price_text] = _price(price_text)
        placed_at = self._times.get(date_text)
        if placed_at is None:
            placed_at = self._times[date_text] = _uk_time_as_utc(date_text, self._london)
        customer_ref = self._customer_ref(customer_text) if customer_text else None

        invoice = self.invoices.get(number)
        if invoice is None:
            country = country.strip()[:MAX_COUNTRY] or "Unspecified"
            invoice = self.invoices[number] = InvoiceDraft(
                number, customer_ref, country, placed_at, cancellation
            )
        elif placed_at < invoice.placed_at:
            invoice.placed_at = placed_at
        invoice.lines.append((code, description.strip(), quantity, price))

    def _customer_ref(self, text: str) -> str:
        ref = self._customer_refs.get(text)
        if ref is None:
            # Spreadsheet exports write the id as a float: "17850.0".
            digits = text.strip().removesuffix(".0")
            if not (digits.isascii() and digits.isdigit()):
                raise ValueError(f"bad CustomerID {text!r}")
            ref = self._customer_refs[text] = str(int(digits))
        return ref

    def _malformed(self, line_number: int) -> None:
        self.skipped[MALFORMED] += 1
        if len(self.malformed_lines) < MALFORMED_LINES_KEPT:
            self.malformed_lines.append(line_number)

    def kept_invoices(self) -> list[InvoiceDraft]:
        kept = []
        for invoice in self.invoices.values():
            if (
                invoice.customer_ref is None
                and not invoice.cancellation
                and not any(price for _, _, _, price in invoice.lines)
            ):
                self.skipped[ZERO_VALUE_GUEST_INVOICE] += len(invoice.lines)
            else:
                kept.append(invoice)
        return kept


def _price(text: str) -> Decimal:
    value = Decimal(text)
    if not value.is_finite() or value < 0:
        raise ValueError(f"bad unit price {text!r}")
    # The store keeps cents; rounding here makes SQLite and PostgreSQL hold the same value.
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _uk_time_as_utc(text: str, london: tzinfo) -> datetime:
    """The data's naive times are the UK shop's wall clock (GMT in winter, BST in summer)."""
    text = text.strip()
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        local = datetime.strptime(text, US_DATE_FORMAT)
    if local.tzinfo is None:
        local = local.replace(tzinfo=london)
    return local.astimezone(UTC)


def _customers(invoices: list[InvoiceDraft]) -> list[CustomerDraft]:
    first_seen: dict[str, datetime] = {}
    countries: dict[str, Counter[str]] = {}
    for invoice in invoices:
        ref = invoice.customer_ref
        if ref is None:
            continue
        if ref not in first_seen or invoice.placed_at < first_seen[ref]:
            first_seen[ref] = invoice.placed_at
        countries.setdefault(ref, Counter())[invoice.country] += 1
    # A handful of customers ordered for several countries; most_common keeps the first on ties.
    return [CustomerDraft(ref, countries[ref].most_common(1)[0][0], seen) for ref, seen in first_seen.items()]


def _products(invoices: list[InvoiceDraft]) -> list[ProductDraft]:
    names: dict[str, Counter[str]] = {}
    prices: dict[str, Counter[Decimal]] = {}
    for invoice in invoices:
        for code, description, _, price in invoice.lines:
            if code not in names:
                names[code] = Counter()
                prices[code] = Counter()
            if description:
                names[code][description] += 1
            prices[code][price] += 1
    products = []
    for code, name_counts in names.items():
        # The most frequent wording wins over one-off notes ("?", "damaged") typed into the field.
        name = name_counts.most_common(1)[0][0] if name_counts else f"Stock item {code}"
        paid = [(count, price) for price, count in prices[code].items() if price]
        price = max(paid)[1] if paid else Decimal(0)
        products.append(ProductDraft(code, name[:MAX_PRODUCT_NAME], price))
    return products
