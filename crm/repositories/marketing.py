"""Key figures of the proactive triggers for the marketers' pages, counted in the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import OutboxMessage, OutboxState, ProactiveAnswer


class MarketingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def figures(self) -> dict[int, dict[str, int]]:
        """Per trigger id: messages planned, sent, suppressed, failed, accepted and opted out."""
        figures: dict[int, dict[str, int]] = {}
        states = self._session.execute(
            select(OutboxMessage.trigger_id, OutboxMessage.state, func.count())
            .where(OutboxMessage.trigger_id.is_not(None))
            .group_by(OutboxMessage.trigger_id, OutboxMessage.state)
        )
        for trigger_id, state, count in states:
            if trigger_id is None:
                continue
            row = figures.setdefault(int(trigger_id), {})
            key = "planned" if state in (OutboxState.PENDING, OutboxState.SENDING) else str(state.value)
            row[key] = row.get(key, 0) + int(count)
        answers = self._session.execute(
            select(OutboxMessage.trigger_id, OutboxMessage.answer, func.count())
            .where(OutboxMessage.trigger_id.is_not(None), OutboxMessage.answer.is_not(None))
            .group_by(OutboxMessage.trigger_id, OutboxMessage.answer)
        )
        for trigger_id, answer, count in answers:
            if trigger_id is not None and answer in (ProactiveAnswer.ACCEPTED, ProactiveAnswer.OPTED_OUT):
                figures.setdefault(int(trigger_id), {})[str(answer.value)] = int(count)
        return figures
