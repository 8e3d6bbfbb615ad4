"""No silence: a chat that waits too long for a person, or waits while the team is offline, gets an
honest word from the bot with the case number and the offer of a call back.

`notify_unanswered` is a job for the proactive engine's scheduler (one run every minute or so);
each waiting case is told once per wait.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from console.chat import UNANSWERED_INTENT, ChatError, RasaChat
from console.settings import DEFAULT_UNANSWERED_MINUTES
from crm.services.contact import support_wait
from crm.services.desk import mark_unanswered, unanswered_cases
from crm.settings import Settings
from crm.uow import UnitOfWork

log = logging.getLogger(__name__)


class Triggers(Protocol):
    def trigger(self, conversation_id: str, intent: str, case_number: str) -> None: ...


def notify_unanswered(
    uow: UnitOfWork,
    now: datetime,
    settings: Settings,
    *,
    after: timedelta = timedelta(minutes=DEFAULT_UNANSWERED_MINUTES),
    rasa: Triggers | None = None,
) -> list[str]:
    """Tells every customer whose chat waited longer than `after` (or waits while support is closed)
    that nobody could take it yet. Returns the case numbers told; a failed send is retried next run."""
    closed = not support_wait(now).open_now
    due = unanswered_cases(uow, now - after if not closed else now)
    if not due:
        return []
    chat: Triggers = rasa or RasaChat.from_settings(settings)
    told: list[str] = []
    for number, conversation_id in due:
        try:
            chat.trigger(conversation_id, UNANSWERED_INTENT, number)
        except ChatError as error:
            log.warning("could not tell case %s that it waits: %s", number, error)
            continue
        mark_unanswered(uow, number, now)
        told.append(number)
    return told
