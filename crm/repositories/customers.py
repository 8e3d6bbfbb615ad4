"""Customers and their channel identities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Channel, ChannelIdentity, Customer, LinkCode, LinkState, Order


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

    def first(self, limit: int) -> list[Customer]:
        return list(self._session.scalars(select(Customer).order_by(Customer.external_ref).limit(limit)))

    def by_id(self, customer_id: int) -> Customer | None:
        return self._session.get(Customer, customer_id)

    def by_order_and_email(self, order_number: str, email: str) -> Customer | None:
        """The customer who placed `order_number`, only if their email is `email` (any case).

        One query for both facts, so a caller cannot tell which of the two did not match.
        """
        return self._session.scalars(
            select(Customer)
            .join(Order, Order.customer_id == Customer.id)
            .where(Order.number == order_number, func.lower(Customer.email) == email.strip().lower())
        ).one_or_none()

    def identity(self, channel: Channel, external_id: str) -> ChannelIdentity | None:
        """The identity row for a sender, whatever its link state."""
        return self._session.scalars(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
            )
        ).one_or_none()

    def linked_channels(self, customer_id: int) -> set[Channel]:
        return set(
            self._session.scalars(
                select(ChannelIdentity.channel).where(
                    ChannelIdentity.customer_id == customer_id,
                    ChannelIdentity.link_state == LinkState.LINKED,
                )
            )
        )

    def identities_of(self, customer_id: int, channel: Channel) -> list[ChannelIdentity]:
        """The customer's identities on `channel`, newest link first, whatever their state."""
        return list(
            self._session.scalars(
                select(ChannelIdentity)
                .where(ChannelIdentity.customer_id == customer_id, ChannelIdentity.channel == channel)
                .order_by(ChannelIdentity.linked_at.desc(), ChannelIdentity.id.desc())
            )
        )

    def add_identity(self, identity: ChannelIdentity) -> None:
        self._session.add(identity)

    def link_code(self, code_hash: str) -> LinkCode | None:
        return self._session.scalars(select(LinkCode).where(LinkCode.code_hash == code_hash)).one_or_none()

    def unused_link_codes(self, customer_id: int, channel: Channel) -> list[LinkCode]:
        return list(
            self._session.scalars(
                select(LinkCode).where(
                    LinkCode.customer_id == customer_id,
                    LinkCode.channel == channel,
                    LinkCode.used_at.is_(None),
                )
            )
        )

    def add_link_code(self, code: LinkCode) -> None:
        self._session.add(code)

    def delete_link_code(self, code: LinkCode) -> None:
        self._session.delete(code)

    def count_created_before(self, end: datetime) -> int:
        return self._session.scalar(select(func.count()).where(Customer.created_at < end)) or 0
