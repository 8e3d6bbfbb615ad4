"""How customers want to be contacted: preferences and the append-only consent history."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import AuditEntry, Channel, CommunicationPreferences, Consent, ConsentPurpose, Customer


class PreferenceRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def for_customer(self, customer_id: int) -> CommunicationPreferences | None:
        return self._session.get(CommunicationPreferences, customer_id)

    def add(self, preferences: CommunicationPreferences) -> None:
        self._session.add(preferences)


class ConsentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def in_force(self, customer_id: int, purpose: ConsentPurpose) -> dict[Channel, bool]:
        """The newest decision per channel for `purpose`; channels never asked are absent."""
        newest = (
            select(Consent.channel, func.max(Consent.recorded_at).label("at"))
            .where(Consent.customer_id == customer_id, Consent.purpose == purpose)
            .group_by(Consent.channel)
            .subquery()
        )
        rows = self._session.execute(
            select(Consent.channel, Consent.granted, Consent.id)
            .join(newest, (Consent.channel == newest.c.channel) & (Consent.recorded_at == newest.c.at))
            .where(Consent.customer_id == customer_id, Consent.purpose == purpose)
            .order_by(Consent.id)
        )
        # Two rows with the same timestamp: the later insert (higher id) wins.
        return {channel: granted for channel, granted, _ in rows}

    def add(self, consent: Consent) -> None:
        # Never update: the history of decisions is the record.
        before = self.in_force(consent.customer_id, consent.purpose).get(consent.channel)
        self._session.add(consent)
        # Every consent change is audited here, whichever flow made it (chat, email link, console).
        customer = self._session.get(Customer, consent.customer_id)
        self._session.add(
            AuditEntry(
                at=consent.recorded_at,
                actor=f"customer via {consent.source.value}",
                action="consent.changed",
                subject=f"customer:{customer.external_ref if customer else consent.customer_id}",
                before=json.dumps(
                    {"purpose": consent.purpose.value, "channel": consent.channel.value, "granted": before}
                ),
                after=json.dumps(
                    {
                        "purpose": consent.purpose.value,
                        "channel": consent.channel.value,
                        "granted": consent.granted,
                    }
                ),
            )
        )
