"""Invoices: the references, dates and amounts a customer needs for their records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm.models import OrderStatus
from crm.services.errors import OrderNotFound
from crm.services.orders import normalise_number
from crm.uow import UnitOfWork


@dataclass(frozen=True)
class InvoiceView:
    number: str
    issued_at: datetime
    amount: Decimal


@dataclass(frozen=True)
class OrderInvoicesView:
    order_number: str
    order_status: OrderStatus
    currency: str
    invoices: tuple[InvoiceView, ...]  # empty until the order is paid: invoices are issued on payment


def order_of_invoice(uow: UnitOfWork, customer_id: int, invoice_number: str) -> str | None:
    """The number of the customer's order that invoice `invoice_number` belongs to (None: not theirs)."""
    with uow:
        return uow.orders.order_number_of_invoice(customer_id, invoice_number.strip().upper())


def order_invoices(uow: UnitOfWork, customer_id: int, number: str | None = None) -> OrderInvoicesView:
    """The invoices of the customer's latest (or named) order; `OrderNotFound` if there is none."""
    with uow:
        if number is None:
            order = uow.orders.latest_for(customer_id)
        else:
            order = uow.orders.by_number_for(customer_id, normalise_number(number))
        if order is None:
            raise OrderNotFound(number or "latest")
        return OrderInvoicesView(
            order_number=order.number,
            order_status=order.status,
            currency=order.currency,
            invoices=tuple(InvoiceView(i.number, i.issued_at, i.amount) for i in order.invoices),
        )
