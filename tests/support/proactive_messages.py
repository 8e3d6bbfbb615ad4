"""Outbox rows for tests: a proactive message as the pump leaves it once sent, and reading rows back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import Channel, ConsentPurpose, OutboxMessage, OutboxState, ProactiveAnswer
from crm.services.conversations import remember_proactive
from crm.services.preferences import set_marketing_consent
from crm.uow import UnitOfWork
from tests.support.live import LiveSystem


@dataclass(frozen=True)
class OutboxRow:
    key: str
    state: OutboxState
    not_before: datetime
    answer: ProactiveAnswer | None
    answered_at: datetime | None
    customer_id: int
    trigger_id: int | None
    subject: str
    intent: str
    context: dict[str, Any]
    channel: Channel | None = None
    conversation_id: str | None = None


def add_sent_message(
    engine: Engine,
    key: str,
    customer_id: int,
    context: dict[str, Any],
    now: datetime,
    *,
    channel: Channel = Channel.WEB,
    conversation_id: str | None = None,
    trigger_id: int | None = None,
) -> None:
    """A message the pump has sent: the row an answer is recorded on."""
    kind = str(context.get("kind") or "offer")
    with Session(engine) as session:
        session.add(
            OutboxMessage(
                key=key,
                trigger_id=trigger_id,
                customer_id=customer_id,
                category=ConsentPurpose.SERVICE,
                subject=str(
                    context.get("product_id") or context.get("serial") or context.get("order") or kind
                ),
                intent=f"EXTERNAL_{kind}",
                context=json.dumps(context, sort_keys=True),
                state=OutboxState.SENT,
                not_before=now,
                attempts=1,
                channel=channel,
                conversation_id=conversation_id,
                created_at=now,
                sent_at=now,
            )
        )
        session.commit()


def outbox_row(engine: Engine, key: str) -> OutboxRow | None:
    with Session(engine) as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        if row is None:
            return None
        return OutboxRow(
            row.key,
            row.state,
            row.not_before,
            row.answer,
            row.answered_at,
            row.customer_id,
            row.trigger_id,
            row.subject,
            row.intent,
            json.loads(row.context),
            row.channel,
            row.conversation_id,
        )


def push_proactive(system: LiveSystem, store: Engine, conversation_id: str, context: dict[str, Any]) -> str:
    """Delivers a proactive message the way the pump does; returns the text Rasa showed.

    `context` must hold `key`, `kind` and `customer_id`. Marketing consent is granted first, so
    that a "stop" has something to withdraw; the outbox row is `sent`, ready for the answer.
    """
    now = system.settings.now()
    customer_id = int(context["customer_id"])
    set_marketing_consent(UnitOfWork.for_engine(store), customer_id, True, now)
    add_sent_message(store, str(context["key"]), customer_id, context, now, conversation_id=conversation_id)
    remember_proactive(UnitOfWork.for_engine(store), conversation_id, customer_id, context, now)
    pushed = system.api(
        "POST",
        f"/conversations/{conversation_id}/trigger_intent",
        params={"output_channel": "collector"},
        json={"name": f"EXTERNAL_{context['kind']}", "entities": {"key": context["key"]}},
    )
    pushed.raise_for_status()
    return "\n".join(str(m.get("text")) for m in pushed.json().get("messages", []))
