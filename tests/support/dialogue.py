"""Driving the dialogue in-process: one customer, turns with a stated intent, replies and state kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from crm.models import Channel
from crm.services.customers import CustomerView, customer_by_ref
from crm.uow import UnitOfWork
from dialogue.conversation import Context
from dialogue.engine import respond
from dialogue.state import DialogueState
from dialogue.turn import turn_from_parse


@dataclass
class Chat:
    """A conversation with the dialogue: `send()` a message with the intent the NLU would give."""

    store: Engine
    now: datetime
    customer_ref: str | None = None
    conversation_id: str = "rest:test"
    channel: Channel = Channel.WEB
    state: DialogueState = field(default_factory=DialogueState)
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)
    last_buttons: list[list[dict[str, str]]] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        return UnitOfWork.for_engine(self.store)

    # Who the channel vouched for; looked up from `customer_ref` unless given.
    verified: CustomerView | None = None

    def customer(self) -> CustomerView | None:
        if self.verified is not None:
            return self.verified
        return customer_by_ref(self.uow(), self.customer_ref) if self.customer_ref else None

    def send(
        self,
        text: str,
        intent: str,
        *,
        entities: dict[str, str] | None = None,
        requests: list[str] | None = None,
        confidence: float = 0.95,
        ranking: list[tuple[str, float]] | None = None,
        language: str | None = "en",
        external: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        parse: dict[str, Any] = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking or [(intent, confidence)]],
            "requests": requests or [],
            "language": language,
        }
        turn = turn_from_parse(parse, {**(metadata or {}), **({"is_external": True} if external else {})})
        context = Context(
            store=self.uow,
            now=self.now,
            conversation_id=self.conversation_id,
            channel=self.channel,
            customer=self.customer(),
            client="test-client",
        )
        conversation = respond(self.state, turn, context)
        self.state = conversation.state
        texts = [reply.text for reply in conversation.replies]
        self.transcript.append((text, texts))
        self.last_buttons = [list(reply.buttons) for reply in conversation.replies]
        return "\n".join(texts)
