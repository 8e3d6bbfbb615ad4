"""Orders with their lines, status history and invoices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from crm.models import Customer, Invoice, Order, OrderLine, OrderStatus, Product, ProductKind

# Order numbers the shop hands out itself: seven digits (imported retail invoices have six).
SHOP_NUMBER_LOW, SHOP_NUMBER_HIGH = "1000000", "9999999"
# Orders whose goods the customer never used up: left out of "what they buy" and its rhythm.
NOT_USED_UP = (OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED)


def _full() -> tuple[ExecutableOption, ...]:
    """Everything a reply about one order needs, loaded up front (views outlive the session)."""
    return (
        selectinload(Order.lines).selectinload(OrderLine.product),
        selectinload(Order.history),
        selectinload(Order.invoices),
    )


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def latest_for(self, customer_id: int, statuses: Sequence[OrderStatus] | None = None) -> Order | None:
        """The customer's newest order, optionally only among orders in `statuses`."""
        query = select(Order).where(Order.customer_id == customer_id)
        if statuses is not None:
            query = query.where(Order.status.in_(statuses))
        return self._session.scalars(
            query.options(*_full()).order_by(Order.placed_at.desc(), Order.id.desc()).limit(1)
        ).one_or_none()

    def recent_for(
        self, customer_id: int, statuses: Sequence[OrderStatus], limit: int = 3
    ) -> Sequence[Order]:
        """The customer's newest orders in `statuses`, newest first."""
        return self._session.scalars(
            select(Order)
            .where(Order.customer_id == customer_id, Order.status.in_(statuses))
            .options(*_full())
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
        ).all()

    def order_number_of_invoice(self, customer_id: int, invoice_number: str) -> str | None:
        return self._session.scalar(
            select(Order.number)
            .join(Invoice, Invoice.order_id == Order.id)
            .where(Invoice.number == invoice_number, Order.customer_id == customer_id)
        )

    def count_for(self, customer_id: int) -> int:
        return self._session.scalar(select(func.count()).where(Order.customer_id == customer_id)) or 0

    def by_number(self, number: str) -> Order | None:
        """Any customer's order: only for checks that prove ownership themselves (identification)."""
        return self._session.scalars(
            select(Order).where(Order.number == number).options(*_full())
        ).one_or_none()

    def by_number_for(self, customer_id: int, number: str) -> Order | None:
        """The order with `number` only if it is this customer's: others' orders stay invisible."""
        return self._session.scalars(
            select(Order).where(Order.number == number, Order.customer_id == customer_id).options(*_full())
        ).one_or_none()

    def by_number_for_update(self, customer_id: int, number: str) -> Order | None:
        """Like `by_number_for`, locking the row (PostgreSQL) so two changes cannot interleave."""
        return self._session.scalars(
            select(Order)
            .where(Order.number == number, Order.customer_id == customer_id)
            .options(*_full())
            .with_for_update(of=Order)
        ).one_or_none()

    def consumable_lines(self, customer_id: int) -> Sequence[tuple[Product, int, datetime, str]]:
        """(product, quantity, placed_at, currency) of every consumable the customer bought, oldest first.

        Cancelled, returned and refunded orders and credit lines are left out: they are not what
        the customer uses.
        """
        rows = self._session.execute(
            select(Product, OrderLine.quantity, Order.placed_at, Order.currency)
            .join(OrderLine, OrderLine.product_id == Product.id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                Order.customer_id == customer_id,
                Order.status.not_in(NOT_USED_UP),
                Product.kind == ProductKind.CONSUMABLE,
                OrderLine.quantity > 0,
            )
            .order_by(Order.placed_at, Order.id, OrderLine.id)
        ).all()
        return [(product, quantity, placed_at, currency) for product, quantity, placed_at, currency in rows]

    # The two look-ups below belong to other aggregates; they live here until the catalogue and
    # customer repositories offer them (new orders need the product and the shipping address).
    def product(self, product_id: int) -> Product | None:
        return self._session.get(Product, product_id)

    def customer(self, customer_id: int) -> Customer | None:
        return self._session.get(Customer, customer_id)

    def highest_shop_number(self) -> str | None:
        """The highest seven-digit order number in use (string order equals numeric order here)."""
        return self._session.scalar(
            select(func.max(Order.number)).where(
                func.length(Order.number) == len(SHOP_NUMBER_LOW),
                Order.number >= SHOP_NUMBER_LOW,
                Order.number <= SHOP_NUMBER_HIGH,
            )
        )

    def add(self, order: Order) -> None:
        self._session.add(order)
        self._session.flush()
