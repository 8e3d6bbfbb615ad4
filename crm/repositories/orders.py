"""Orders with their lines and status history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.models import Order, OrderLine


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def latest_for(self, customer_id: int) -> Order | None:
        return self._session.scalars(
            select(Order)
            .where(Order.customer_id == customer_id)
            .options(selectinload(Order.lines).selectinload(OrderLine.product), selectinload(Order.history))
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(1)
        ).one_or_none()

    def by_number_for(self, customer_id: int, number: str) -> Order | None:
        """The order with `number` only if it is this customer's: others' orders stay invisible."""
        return self._session.scalars(
            select(Order)
            .where(Order.number == number, Order.customer_id == customer_id)
            .options(selectinload(Order.lines).selectinload(OrderLine.product), selectinload(Order.history))
        ).one_or_none()
