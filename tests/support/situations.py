"""Situations the demo shop has too few of at one moment: orders still open, refunds under way.

The demo generator lives out two years of history, so at any `as_of` only a handful of orders
are paid but not shipped. End-to-end scenarios need dozens, one customer each; this adds them
to a seeded store, on the demo's own customers and products, through the ORM.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crm.models import Customer, Invoice, Order, OrderLine, OrderStatus, OrderStatusEvent, Product

# (first customer number, how many, what they get)
PAID_ONE = (200, 40)  # one paid order, not shipped yet
TWO_OPEN = (240, 10)  # two open orders: one paid, one waiting for payment
RETURNED = (250, 10)  # an order returned three days ago, refund under way
# Shipped eight days ago, promised for three days ago, still travelling: two ranges (C00271-C00280
# are other tests' own), enough for every late-delivery scenario to have a customer of its own.
LATE = ((260, 10), (281, 10))
NO_ORDERS = 5  # new customers who have not ordered yet
_SKUS = ("CAP-50", "DSC-2", "BEAN-1K", "WFC-3", "BAG-10", "INK-20K", "ACC-MF", "TON-40", "HEPA-300")


def add_situations(engine: Engine, now: datetime) -> None:
    with Session(engine) as session:
        products = {p.sku: p for p in session.scalars(select(Product))}
        number = int(
            session.scalar(select(func.max(Order.number)).where(func.length(Order.number) == 7)) or 1_000_000
        )

        def customers(first: int, count: int) -> list[Customer]:
            refs = [f"C{n:05d}" for n in range(first, first + count)]
            return list(
                session.scalars(select(Customer).where(Customer.external_ref.in_(refs)).order_by(Customer.id))
            )

        def order(
            customer: Customer,
            index: int,
            history: list[tuple[OrderStatus, timedelta]],
            promised: int | None = None,
        ) -> None:
            nonlocal number
            number += 1
            product = products[_SKUS[index % len(_SKUS)]]
            extra = products[_SKUS[(index + 3) % len(_SKUS)]]
            placed = now - history[0][1]
            new = Order(
                number=str(number),
                customer_id=customer.id,
                placed_at=placed,
                status=history[-1][0],
                currency="EUR",
                ship_country=customer.country,
                ship_city=customer.city,
            )
            new.lines = [
                OrderLine(product_id=product.id, quantity=1 + index % 2, unit_price=product.price),
                OrderLine(product_id=extra.id, quantity=1, unit_price=extra.price),
            ]
            new.history = [
                OrderStatusEvent(status=status, occurred_at=now - ago, note=None) for status, ago in history
            ]
            total = sum((line.unit_price * line.quantity for line in new.lines), Decimal("0"))
            if any(status is OrderStatus.PAID for status, _ in history):
                paid_at = now - next(ago for status, ago in history if status is OrderStatus.PAID)
                new.invoices = [Invoice(number=f"INV-{number}", issued_at=paid_at, amount=total)]
            if any(status is OrderStatus.SHIPPED for status, _ in history):
                new.carrier, new.tracking_number = "DHL", f"JD0146{number}"
            if promised is not None:
                new.promised_delivery_on = (now + timedelta(days=promised)).date()
            session.add(new)

        for i, customer in enumerate(customers(*PAID_ONE)):
            order(
                customer,
                i,
                [
                    (OrderStatus.PLACED, timedelta(hours=3)),
                    (OrderStatus.PAID, timedelta(hours=2, minutes=50)),
                ],
            )
        for i, customer in enumerate(customers(*TWO_OPEN)):
            order(
                customer,
                i,
                [(OrderStatus.PLACED, timedelta(hours=5)), (OrderStatus.PAID, timedelta(hours=4))],
            )
            order(customer, i + 1, [(OrderStatus.PLACED, timedelta(hours=1))])
        for i, customer in enumerate(customers(*RETURNED)):
            order(
                customer,
                i,
                [
                    (OrderStatus.PLACED, timedelta(days=14)),
                    (OrderStatus.PAID, timedelta(days=14)),
                    (OrderStatus.SHIPPED, timedelta(days=13)),
                    (OrderStatus.DELIVERED, timedelta(days=11)),
                    (OrderStatus.RETURNED, timedelta(days=3)),
                ],
            )
        for i, customer in enumerate(c for late in LATE for c in customers(*late)):
            order(
                customer, i,
                [(OrderStatus.PLACED, timedelta(days=9)), (OrderStatus.PAID, timedelta(days=9)),
                 (OrderStatus.SHIPPED, timedelta(days=8))],
                promised=-3,
            )  # fmt: skip
        for n in range(NO_ORDERS):
            session.add(
                Customer(
                    external_ref=f"C{9001 + n:05d}",
                    name=f"Newcomer {n + 1} Example",
                    email=f"new{n}@example.com",
                    time_zone="Europe/London",
                    language="en",
                    country="United Kingdom",
                    created_at=now,
                )
            )
        session.commit()
