"""The outbox: proactive messages planned, claimed, sent, and answered."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import OutboxMessage


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_key(self, key: str) -> OutboxMessage | None:
        return self._session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))

    def add(self, message: OutboxMessage) -> None:
        self._session.add(message)
