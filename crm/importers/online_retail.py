"""Imports the UCI Online Retail data set into the customer store, in one transaction.

Reading and aggregating live in `online_retail_parse`; this module maps the drafts onto the
store's vocabulary (time zones, categories, order states) and bulk-writes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tqdm import tqdm

from crm.bulk import batched, insert_returning_ids, insert_rows
from crm.importers.online_retail_parse import (
    CustomerDraft,
    InvoiceDraft,
    ParsedFile,
    ProductDraft,
    parse_online_retail,
)
from crm.models import Base, OrderStatus, ProductKind

REF_PREFIX = "OR-"
INVOICE_PREFIX = "OR-INV-"
CURRENCY = "GBP"
HISTORY_NOTE = "imported from UCI Online Retail"
# Well under SQLite's bound-parameter limit for the IN (...) look-ups.
LOOKUP_BATCH = 500

# Country as the data spells it -> (IANA time zone, BCP 47 language): the assistant needs both to
# choose quiet hours and wording. Multi-zone countries get their commercial centre.
COUNTRY_LOCALES: dict[str, tuple[str, str]] = {
    "Australia": ("Australia/Sydney", "en"),
    "Austria": ("Europe/Vienna", "de"),
    "Bahrain": ("Asia/Bahrain", "ar"),
    "Belgium": ("Europe/Brussels", "nl"),
    "Brazil": ("America/Sao_Paulo", "pt"),
    "Canada": ("America/Toronto", "en"),
    "Channel Islands": ("Europe/Jersey", "en"),
    "Cyprus": ("Asia/Nicosia", "el"),
    "Czech Republic": ("Europe/Prague", "cs"),
    "Denmark": ("Europe/Copenhagen", "da"),
    "EIRE": ("Europe/Dublin", "en"),
    "European Community": ("Europe/Brussels", "en"),
    "Finland": ("Europe/Helsinki", "fi"),
    "France": ("Europe/Paris", "fr"),
    "Germany": ("Europe/Berlin", "de"),
    "Greece": ("Europe/Athens", "el"),
    "Hong Kong": ("Asia/Hong_Kong", "zh"),
    "Iceland": ("Atlantic/Reykjavik", "is"),
    "Israel": ("Asia/Jerusalem", "he"),
    "Italy": ("Europe/Rome", "it"),
    "Japan": ("Asia/Tokyo", "ja"),
    "Lebanon": ("Asia/Beirut", "ar"),
    "Lithuania": ("Europe/Vilnius", "lt"),
    "Malta": ("Europe/Malta", "en"),
    "Netherlands": ("Europe/Amsterdam", "nl"),
    "Norway": ("Europe/Oslo", "nb"),
    "Poland": ("Europe/Warsaw", "pl"),
    "Portugal": ("Europe/Lisbon", "pt"),
    "RSA": ("Africa/Johannesburg", "en"),
    "Saudi Arabia": ("Asia/Riyadh", "ar"),
    "Singapore": ("Asia/Singapore", "en"),
    "Spain": ("Europe/Madrid", "es"),
    "Sweden": ("Europe/Stockholm", "sv"),
    "Switzerland": ("Europe/Zurich", "de"),
    "USA": ("America/New_York", "en"),
    "United Arab Emirates": ("Asia/Dubai", "ar"),
    "United Kingdom": ("Europe/London", "en"),
}
UNKNOWN_LOCALE = ("UTC", "en")  # "Unspecified" and anything new

# Stock codes that are not goods: postage, discounts, fees. Everything else is retail stock.
NON_PRODUCT_CATEGORIES: dict[str, str] = {
    "POST": "shipping",
    "DOT": "shipping",  # "DOTCOM POSTAGE"
    "C2": "shipping",  # "CARRIAGE"
    "D": "discount",
    "CRUK": "discount",  # "CRUK Commission"
    "M": "fee",  # "Manual": hand-keyed charges and credits
    "S": "fee",  # "SAMPLES"
    "B": "fee",  # "Adjust bad debt"
    "AMAZONFEE": "fee",
    "BANK CHARGES": "fee",
    "PADS": "fee",  # "PADS TO MATCH ALL CUSHIONS", priced at 0.001
}
VOUCHER_PREFIX = "GIFT_"  # "GIFT_0001_20": "Dotcomgiftshop Gift Voucher £20.00"


class AlreadyImported(Exception):
    """Orders from this data set are already in the store; nothing was written."""

    def __init__(self, numbers: Sequence[str]) -> None:
        self.numbers = tuple(numbers)
        found = f"already stored: {', '.join(self.numbers)}" if numbers else "stored by a concurrent import"
        super().__init__(f"the Online Retail orders are already in the store ({found}); nothing was imported")


@dataclass(frozen=True)
class ImportReport:
    """What an import did. `customers` and `products` count rows created; existing ones are reused."""

    lines_read: int
    customers: int
    products: int
    orders: int
    order_lines: int
    cancellations: int
    invoices: int
    skipped: dict[str, int]
    malformed_lines: tuple[int, ...]
    elapsed_seconds: float
    customers_reused: int = 0
    products_reused: int = 0
    status_events: int = 0

    def __str__(self) -> str:
        return self.table()

    def table(self) -> str:
        """A two-column text table for consoles and the benchmark."""
        skipped = ", ".join(f"{reason} {count:,}" for reason, count in sorted(self.skipped.items()))
        rows = [
            ("lines read", f"{self.lines_read:,}"),
            ("customers created", f"{self.customers:,} (+{self.customers_reused:,} reused)"),
            ("products created", f"{self.products:,} (+{self.products_reused:,} reused)"),
            ("orders", f"{self.orders:,} ({self.cancellations:,} cancellations)"),
            ("order lines", f"{self.order_lines:,}"),
            ("status events", f"{self.status_events:,}"),
            ("invoices", f"{self.invoices:,}"),
            ("lines skipped", f"{sum(self.skipped.values()):,}" + (f": {skipped}" if skipped else "")),
            ("first malformed lines", ", ".join(map(str, self.malformed_lines)) or "-"),
            ("elapsed", f"{self.elapsed_seconds:.2f} s"),
        ]
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def locale_for(country: str) -> tuple[str, str]:
    """(time zone, language) for a country as the data set spells it."""
    return COUNTRY_LOCALES.get(country, UNKNOWN_LOCALE)


def category_for(code: str) -> str:
    """The catalogue category for an (upper-cased) stock code."""
    if code.startswith(VOUCHER_PREFIX):
        return "voucher"
    return NON_PRODUCT_CATEGORIES.get(code, "retail")


def import_online_retail(
    engine: Engine,
    path: Path,
    *,
    progress: bool = True,
    max_lines: int | None = None,
    suppressed: Callable[[Sequence[str]], set[str]] | None = None,
) -> ImportReport:
    """Imports the Online Retail CSV at `path` (gzipped or plain) into the store behind `engine`.

    Everything is written in one transaction. Raises FileNotFoundError for a missing file (before
    touching the store) and AlreadyImported when any of its orders are stored already.
    `max_lines` imports only the first data lines (samples, benchmarks). `suppressed` names the
    references (among those given) of customers who were erased: their invoices are skipped.
    """
    started = time.perf_counter()
    parsed = parse_online_retail(path, progress=progress, max_lines=max_lines)
    if suppressed is not None:
        parsed = _without_erased(parsed, suppressed)
    writer = _Writer(progress)
    with Session(engine) as session, session.begin():
        _refuse_if_imported(session, parsed.invoices)
        customer_ids, customers_reused = writer.customers(session, parsed.customers)
        product_ids, products_reused = writer.products(session, parsed.products)
        order_ids = writer.orders(session, parsed.invoices, customer_ids)
        order_lines = writer.order_lines(session, parsed.invoices, order_ids, product_ids)
        status_events = writer.history(session, parsed.invoices, order_ids)
        invoices = writer.invoices(session, parsed.invoices, order_ids)
    return ImportReport(
        lines_read=parsed.lines_read,
        customers=len(parsed.customers) - customers_reused,
        products=len(parsed.products) - products_reused,
        orders=len(order_ids),
        order_lines=order_lines,
        cancellations=sum(invoice.cancellation for invoice in parsed.invoices),
        invoices=invoices,
        skipped=parsed.skipped,
        malformed_lines=parsed.malformed_lines,
        elapsed_seconds=time.perf_counter() - started,
        customers_reused=customers_reused,
        products_reused=products_reused,
        status_events=status_events,
    )


def _without_erased(parsed: ParsedFile, suppressed: Callable[[Sequence[str]], set[str]]) -> ParsedFile:
    """The file without the customers erased on request, and without their invoices."""
    erased = {
        ref.removeprefix(REF_PREFIX) for ref in suppressed([REF_PREFIX + c.ref for c in parsed.customers])
    }
    if not erased:
        return parsed
    kept = [invoice for invoice in parsed.invoices if invoice.customer_ref not in erased]
    dropped_lines = sum(len(invoice.lines) for invoice in parsed.invoices) - sum(len(i.lines) for i in kept)
    return replace(
        parsed,
        invoices=kept,
        customers=[customer for customer in parsed.customers if customer.ref not in erased],
        skipped={**parsed.skipped, "erased customer": dropped_lines},
    )


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _refuse_if_imported(session: Session, invoices: Sequence[InvoiceDraft]) -> None:
    orders, stored_invoices = _table("orders"), _table("invoices")
    numbers = [invoice.number for invoice in invoices]
    found = _existing(session, orders.c.number, numbers, stop_after=5)
    if not found:
        billed = [INVOICE_PREFIX + invoice.number for invoice in invoices if not invoice.cancellation]
        found = _existing(session, stored_invoices.c.number, billed, stop_after=5)
    if found:
        raise AlreadyImported(found)


def _existing(
    session: Session, column: Any, values: Sequence[str], stop_after: int | None = None
) -> list[str]:
    found: list[str] = []
    for batch in batched(values, LOOKUP_BATCH):
        found.extend(session.scalars(select(column).where(column.in_(batch))))
        if stop_after is not None and len(found) >= stop_after:
            return sorted(found)[:stop_after]
    return found


def _ids_by(session: Session, table: Table, key: str, values: Sequence[str]) -> dict[str, int]:
    column = table.c[key]
    ids: dict[str, int] = {}
    for batch in batched(values, LOOKUP_BATCH):
        # Iterated, not passed to dict.update: a Result has .keys() and would be taken for a mapping.
        for value, id_ in session.execute(select(column, table.c.id).where(column.in_(batch))):
            ids[value] = id_
    return ids


class _Writer:
    """The write phases, each a bulk insert with its own progress bar."""

    def __init__(self, progress: bool) -> None:
        self._progress = progress

    def _bar(self, total: int, desc: str) -> Any:
        return tqdm(total=total, desc=desc, unit=" rows", disable=not self._progress)

    def _insert(self, session: Session, table: Table, rows: Iterable[dict[str, Any]], total: int) -> int:
        written = 0
        with self._bar(total, table.name) as bar:
            # Rows are built lazily per batch: half a million dicts at once would cost ~150 MB.
            for batch in batched(rows):
                insert_rows(session, table, batch)
                written += len(batch)
                bar.update(len(batch))
        return written

    def _insert_returning(self, session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
        ids: list[int] = []
        with self._bar(len(rows), table.name) as bar:
            for batch in batched(rows):
                ids.extend(insert_returning_ids(session, table, batch))
                bar.update(len(batch))
        return ids

    def customers(self, session: Session, drafts: Sequence[CustomerDraft]) -> tuple[dict[str, int], int]:
        """Ids by CustomerID; customers stored by an earlier import of other invoices are reused."""
        table = _table("customers")
        existing = _ids_by(session, table, "external_ref", [REF_PREFIX + draft.ref for draft in drafts])
        new = [draft for draft in drafts if REF_PREFIX + draft.ref not in existing]
        rows = [_customer_row(draft) for draft in new]
        ids = {
            draft.ref: id_
            for draft, id_ in zip(new, self._insert_returning(session, table, rows), strict=True)
        }
        ids.update({ref.removeprefix(REF_PREFIX): id_ for ref, id_ in existing.items()})
        return ids, len(existing)

    def products(self, session: Session, drafts: Sequence[ProductDraft]) -> tuple[dict[str, int], int]:
        """Ids by stock code; products already in the catalogue are reused, not overwritten."""
        table = _table("products")
        existing = _ids_by(session, table, "sku", [REF_PREFIX + draft.code for draft in drafts])
        new = [draft for draft in drafts if REF_PREFIX + draft.code not in existing]
        rows = [_product_row(draft) for draft in new]
        ids = {
            draft.code: id_
            for draft, id_ in zip(new, self._insert_returning(session, table, rows), strict=True)
        }
        ids.update({sku.removeprefix(REF_PREFIX): id_ for sku, id_ in existing.items()})
        return ids, len(existing)

    def orders(
        self, session: Session, invoices: Sequence[InvoiceDraft], customer_ids: dict[str, int]
    ) -> list[int]:
        rows = [
            {
                "number": invoice.number,
                "customer_id": None if invoice.customer_ref is None else customer_ids[invoice.customer_ref],
                "placed_at": invoice.placed_at,
                # Historic data: every sale was delivered long ago.
                "status": OrderStatus.CANCELLED if invoice.cancellation else OrderStatus.DELIVERED,
                "currency": CURRENCY,
                "ship_country": invoice.country,
            }
            for invoice in invoices
        ]
        try:
            return self._insert_returning(session, _table("orders"), rows)
        except IntegrityError as error:
            # The check above passed, so another import committed the same orders meanwhile.
            raise AlreadyImported([]) from error

    def order_lines(
        self,
        session: Session,
        invoices: Sequence[InvoiceDraft],
        order_ids: Sequence[int],
        product_ids: dict[str, int],
    ) -> int:
        def rows() -> Iterator[dict[str, Any]]:
            for invoice, order_id in zip(invoices, order_ids, strict=True):
                # Cancellation lines keep their negative quantities: credits that net out revenue.
                for code, _, quantity, price in invoice.lines:
                    yield {
                        "order_id": order_id,
                        "product_id": product_ids[code],
                        "quantity": quantity,
                        "unit_price": price,
                    }

        total = sum(len(invoice.lines) for invoice in invoices)
        return self._insert(session, _table("order_lines"), rows(), total)

    def history(self, session: Session, invoices: Sequence[InvoiceDraft], order_ids: Sequence[int]) -> int:
        def rows() -> Iterator[dict[str, Any]]:
            for invoice, order_id in zip(invoices, order_ids, strict=True):
                # Placed before delivered: same instant, so insertion order is the tie-break.
                states = (
                    (OrderStatus.CANCELLED,)
                    if invoice.cancellation
                    else (OrderStatus.PLACED, OrderStatus.DELIVERED)
                )
                for status in states:
                    yield {
                        "order_id": order_id,
                        "status": status,
                        "occurred_at": invoice.placed_at,
                        "note": HISTORY_NOTE,
                    }

        total = sum(1 if invoice.cancellation else 2 for invoice in invoices)
        return self._insert(session, _table("order_status_events"), rows(), total)

    def invoices(self, session: Session, invoices: Sequence[InvoiceDraft], order_ids: Sequence[int]) -> int:
        rows = [
            {
                "number": INVOICE_PREFIX + invoice.number,
                "order_id": order_id,
                "issued_at": invoice.placed_at,
                "amount": invoice.amount,
            }
            for invoice, order_id in zip(invoices, order_ids, strict=True)
            if not invoice.cancellation
        ]
        return self._insert(session, _table("invoices"), rows, len(rows))


def _customer_row(draft: CustomerDraft) -> dict[str, Any]:
    time_zone, language = locale_for(draft.country)
    return {
        "external_ref": REF_PREFIX + draft.ref,
        "name": f"Customer {draft.ref}",
        "email": None,
        "time_zone": time_zone,
        "language": language,
        "country": draft.country,
        "created_at": draft.first_seen,
    }


def _product_row(draft: ProductDraft) -> dict[str, Any]:
    category = category_for(draft.code)
    return {
        "sku": REF_PREFIX + draft.code,
        "name": draft.name,
        "category": category,
        # Goods are re-bought stock (the data set's buyers are mostly shops), which is what the
        # replenishment predictor looks for; postage, fees and discounts are not products.
        "kind": ProductKind.CONSUMABLE if category == "retail" else ProductKind.OTHER,
        "price": draft.price,
    }
