"""The customer's answer to a proactive message, kept on its outbox row.

The answer is the message's outcome and feeds the policy: a "no" starts the trigger's cooldown,
"remind me later" plans the same message again for later (a new pending row the pump delivers
once its `not_before` has passed, after checking the policy again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from crm.models import OutboxMessage, OutboxState, ProactiveAnswer
from crm.uow import UnitOfWork

SNOOZE_MARK = ":snooze:"
KEY_LENGTH = 160  # OutboxMessage.key


@dataclass(frozen=True)
class RecordedAnswer:
    key: str
    answer: ProactiveAnswer
    # "remind me later": the key of the message planned again, and when it may go out.
    snoozed_key: str | None = None
    snoozed_until: datetime | None = None


def record_answer(
    uow: UnitOfWork,
    key: str,
    answer: ProactiveAnswer,
    now: datetime,
    *,
    snooze_until: datetime | None = None,
) -> RecordedAnswer | None:
    """Records `answer` on the outbox message `key`; None when no such message is in the outbox.

    A message sent before the outbox existed, or a marketer's test send, has no row: the answer
    still works in the conversation, there is just no outcome to record. Answering again (an
    undo, a "no" at the confirmation after a "yes") replaces the earlier answer. A snooze
    recorded twice plans the message again once.
    """
    if (answer is ProactiveAnswer.SNOOZED) != (snooze_until is not None):
        raise ValueError("a snooze, and only a snooze, needs the time to remind the customer")
    if snooze_until is not None and snooze_until <= now:
        raise ValueError(f"the reminder time {snooze_until.isoformat()} is not after {now.isoformat()}")
    with uow:
        message = uow.outbox.by_key(key)
        if message is None:
            return None
        message.answer, message.answered_at = answer, now
        recorded = RecordedAnswer(message.key, answer)
        if snooze_until is not None:
            again = _planned_again(uow, message, snooze_until, now)
            recorded = RecordedAnswer(message.key, answer, again.key, again.not_before)
        uow.commit()
        return recorded


def snoozed_key(key: str) -> str:
    """`<key>:snooze:1` for the first reminder of a message, `<key>:snooze:2` for a reminder's reminder."""
    base, mark, count = key.rpartition(SNOOZE_MARK)
    if mark and count.isdigit():
        return f"{base}{SNOOZE_MARK}{int(count) + 1}"
    return f"{key}{SNOOZE_MARK}1"


def _planned_again(uow: UnitOfWork, message: OutboxMessage, until: datetime, now: datetime) -> OutboxMessage:
    key = snoozed_key(message.key)
    if len(key) > KEY_LENGTH:
        raise ValueError(f"the reminder's key would be longer than {KEY_LENGTH} characters: {key!r}")
    existing = uow.outbox.by_key(key)
    if existing is not None:
        return existing
    context = json.loads(message.context or "{}")
    if not isinstance(context, dict):
        context = {}
    context["snoozed_from"] = message.key
    # Its day counts are as of the first plan: the pump advances them when it is shown again.
    context.setdefault("facts_as_of", _aware(message.created_at).isoformat())
    if "key" in context:
        context["key"] = key
    again = OutboxMessage(
        key=key,
        trigger_id=message.trigger_id,
        customer_id=message.customer_id,
        category=message.category,
        subject=message.subject,
        intent=message.intent,
        context=json.dumps(context, sort_keys=True, default=str),
        state=OutboxState.PENDING,
        not_before=until,
        attempts=0,
        created_at=now,
    )
    uow.outbox.add(again)
    return again


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the store keeps UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
