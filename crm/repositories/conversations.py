"""Conversation context that outlives Rasa sessions, and in-chat identification attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm.models import ConversationContext, IdentificationAttempt, IdentificationKey


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def context(self, conversation_id: str) -> ConversationContext | None:
        return self._session.get(ConversationContext, conversation_id)

    def add_context(self, context: ConversationContext) -> None:
        self._session.add(context)

    def expire_proactive(self, before: datetime) -> int:
        """Forgets proactive contexts stored before `before`, except snoozed ones; returns how many."""
        statement = (
            update(ConversationContext)
            .where(
                ConversationContext.proactive_at < before,
                ConversationContext.proactive.is_not(None),
                ConversationContext.proactive.not_like('%"snoozed_until"%'),
            )
            .values(proactive=None, proactive_at=None)
            .execution_options(synchronize_session=False)
        )
        return int(self._session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def failures_since(self, key: IdentificationKey, value_hash: str, since: datetime) -> int:
        return (
            self._session.scalar(
                select(func.count()).where(
                    IdentificationAttempt.key == key,
                    IdentificationAttempt.value_hash == value_hash,
                    IdentificationAttempt.succeeded.is_(False),
                    IdentificationAttempt.attempted_at >= since,
                )
            )
            or 0
        )

    def add_attempt(self, attempt: IdentificationAttempt) -> None:
        self._session.add(attempt)
