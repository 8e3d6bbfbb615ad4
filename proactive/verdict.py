"""What the policy answers about one message, and the shape of the check the pump runs before sending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from crm.models import Channel, OutboxMessage
from crm.uow import UnitOfWork


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str  # a `proactive.policy.Reason` value ("ok" when allowed)
    channel: Channel | None = None  # where to send it, when allowed
    # Blocked only for now (quiet hours, outside the window, throttle): try again at this time.
    retry_at: datetime | None = None
    detail: str = ""


class SendGate(Protocol):
    """The policy, checked again when a planned message is about to go out."""

    def __call__(self, uow: UnitOfWork, message: OutboxMessage, now: datetime) -> Verdict: ...
