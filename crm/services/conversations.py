"""What a conversation must remember across Rasa sessions: the proactive message it answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from crm.models import ConversationContext
from crm.uow import UnitOfWork

# A proactive message can still be answered this long after it was sent.
PROACTIVE_ANSWERABLE_FOR = timedelta(days=7)


def remember_proactive(
    uow: UnitOfWork, conversation_id: str, customer_id: int | None, context: dict[str, Any], now: datetime
) -> None:
    """Stores the context of the proactive message just delivered into this conversation."""
    with uow:
        row = uow.conversations.context(conversation_id)
        if row is None:
            row = ConversationContext(conversation_id=conversation_id, updated_at=now)
            uow.conversations.add_context(row)
        row.customer_id = customer_id
        row.proactive = json.dumps(context, sort_keys=True, default=str)
        row.proactive_at = now
        row.updated_at = now
        uow.commit()


def proactive_context(uow: UnitOfWork, conversation_id: str, now: datetime) -> dict[str, Any] | None:
    """The proactive message this conversation may still answer, or None (none, answered, or too old)."""
    with uow:
        row = uow.conversations.context(conversation_id)
        if row is None or row.proactive is None or row.proactive_at is None:
            return None
        if now - row.proactive_at > PROACTIVE_ANSWERABLE_FOR:
            return None
        context: dict[str, Any] = json.loads(row.proactive)
        return None if context.get("snoozed_until") else context


def snooze_proactive(uow: UnitOfWork, conversation_id: str, until: datetime, now: datetime) -> None:
    """ "Remind me later": the message is answered for now and comes back after `until`."""
    with uow:
        row = uow.conversations.context(conversation_id)
        if row is None or row.proactive is None:
            return
        context = json.loads(row.proactive)
        context["snoozed_until"] = until.isoformat()
        row.proactive, row.updated_at = json.dumps(context, sort_keys=True, default=str), now
        uow.commit()


def forget_proactive(uow: UnitOfWork, conversation_id: str, now: datetime) -> None:
    """The customer answered (or the offer no longer applies): nothing left to restore."""
    with uow:
        row = uow.conversations.context(conversation_id)
        if row is not None and row.proactive is not None:
            row.proactive, row.proactive_at, row.updated_at = None, None, now
            uow.commit()
