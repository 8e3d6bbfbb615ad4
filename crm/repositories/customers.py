"""Customers and their channel identities."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Channel, ChannelIdentity, Customer, LinkState


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
