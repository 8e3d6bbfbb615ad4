"""The order-domain test shop: customers whose orders sit in every state the replies distinguish.

Used by the order service tests (SQLite and PostgreSQL) and the dialogue tests. Times are
fixed: NOW is Tuesday 3 Nov 2026, 10:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

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
from tests.factories import T0, add_customer, add_product

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)

Event = tuple[OrderStatus, datetime, str | None]


def add_history_order(
    session: Session,
    customer: Customer,
    number: str,
    lines: list[tuple[Product, int]],
    events: list[Event],
    *,
    ship_country: str = "Germany",
    promised: date | None = None,
    carrier: str | None = None,
) -> Order:
    """An order whose status is its last event; paid orders get their invoice INV-<number>."""
    order = Order(
        number=number,
        customer_id=customer.id,
        placed_at=events[0][1],
        status=events[-1][0],
        currency="EUR",
        ship_country=ship_country,
        ship_city=None,
        carrier=carrier,
        tracking_number=f"TR{number}" if carrier else None,
        promised_delivery_on=promised,
    )
    order.lines = [OrderLine(product_id=p.id, quantity=q, unit_price=p.price) for p, q in lines]
    order.history = [OrderStatusEvent(status=s, occurred_at=at, note=note) for s, at, note in events]
    paid_at = next((at for status, at, _ in events if status is OrderStatus.PAID), None)
    if paid_at is not None:
        total = sum((p.price * q for p, q in lines), Decimal("0"))
        order.invoices = [Invoice(number=f"INV-{number}", issued_at=paid_at, amount=total)]
    session.add(order)
    session.flush()
    return order


def orders_shop(engine: Engine) -> None:
    """Anna (web-anna, Germany), Ben (web-ben) and Dana (web-dana, United Kingdom).

    Anna: 2000001 delivered 22 Sep (capsules x2 + descaler), 2000002 shipped 2 Nov (capsules x3,
    promised 4 Nov), 2000004 placed 1 Nov 10:30, unpaid (capsules x2) — her latest.
    Ben: 2000003 paid 1 Nov (capsules x1).
    Dana: 2000010 returned 2 Nov (refund pending), 2000011 cancelled after payment and refunded
    30 Oct, 2000012 cancelled unpaid, 2000013 shipped to the UK 26 Oct, promised 30 Oct: late.
    """
    placed, paid, shipped, delivered = (
        OrderStatus.PLACED,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    with Session(engine) as session:
        capsules = add_product(session)
        descaler = add_product(session, "DSC-2", "Descaler, 2 doses")
        machine = Product(
            sku="CM-100",
            name="Barista Compact",
            category="coffee",
            kind=ProductKind.DEVICE,
            price=Decimal("199.00"),
        )
        session.add(machine)
        anna = add_customer(session, "C90001", "Anna Schmidt", web_id="web-anna")
        ben = add_customer(session, "C90002", "Ben Okafor", web_id="web-ben")
        dana = add_customer(session, "C90004", "Dana Hughes", web_id="web-dana")
        day = timedelta(days=1)
        old = T0 - 40 * day
        add_history_order(
            session,
            anna,
            "2000001",
            [(capsules, 2), (descaler, 1)],
            [
                (placed, old, None),
                (paid, old, "Card"),
                (shipped, old + day, "DHL"),
                (delivered, old + 2 * day, None),
            ],
            carrier="DHL",
            promised=(old + 3 * day).date(),
        )
        add_history_order(
            session,
            anna,
            "2000002",
            [(capsules, 3)],
            [(placed, T0 - day, None), (paid, T0 - day, "Card"), (shipped, T0 + day, "DHL")],
            carrier="DHL",
            promised=date(2026, 11, 4),
        )
        add_history_order(
            session, anna, "2000004", [(capsules, 2)], [(placed, T0 + timedelta(hours=1), None)]
        )
        add_history_order(session, ben, "2000003", [(capsules, 1)], [(placed, T0, None), (paid, T0, "Card")])
        start = T0 - 20 * day
        add_history_order(
            session,
            dana,
            "2000010",
            [(descaler, 2)],
            [
                (placed, start, None),
                (paid, start, "Card"),
                (shipped, start + day, None),
                (delivered, start + 3 * day, None),
                (OrderStatus.RETURNED, T0 + day, "Return received"),
            ],
            ship_country="United Kingdom",
            carrier="DPD",
        )
        add_history_order(
            session,
            dana,
            "2000011",
            [(capsules, 1)],
            [
                (placed, start + day, None),
                (paid, start + day, "Card"),
                (OrderStatus.CANCELLED, start + 2 * day, None),
                (OrderStatus.REFUNDED, T0 - 2 * day, "Refund issued"),
            ],
            ship_country="United Kingdom",
        )
        add_history_order(
            session,
            dana,
            "2000012",
            [(capsules, 1)],
            [
                (placed, start + 2 * day, None),
                (OrderStatus.CANCELLED, start + 3 * day, "Payment not completed"),
            ],
            ship_country="United Kingdom",
        )
        add_history_order(
            session,
            dana,
            "2000013",
            [(capsules, 4)],
            [(placed, T0 - 7 * day, None), (paid, T0 - 7 * day, "Card"), (shipped, T0 - 6 * day, "DPD")],
            ship_country="United Kingdom",
            carrier="DPD",
            promised=date(2026, 10, 30),
        )
        session.commit()
