"""Queries over the store, one repository per aggregate. Used only through `UnitOfWork`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm.models import Base, Channel, ChannelIdentity, Customer, LinkState, Order, OrderLine


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_identity(self, channel: Channel, external_id: str) -> Customer | None:
        """The customer behind a linked channel identity; pending or revoked links don't count."""
        return self._session.scalars(
            select(Customer)
            .join(ChannelIdentity)
            .where(
                ChannelIdentity.channel == channel,
                ChannelIdentity.external_id == external_id,
                ChannelIdentity.link_state == LinkState.LINKED,
            )
        ).one_or_none()

    def by_ref(self, external_ref: str) -> Customer | None:
        return self._session.scalars(
            select(Customer).where(Customer.external_ref == external_ref)
        ).one_or_none()


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


class StatsRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def row_counts(self) -> dict[str, int]:
        """Rows per table, for `python -m crm status`."""
        return {
            name: self._session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in sorted(Base.metadata.tables.items())
        }
