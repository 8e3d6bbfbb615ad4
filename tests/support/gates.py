"""Send gates for tests of the delivery mechanics (claims, leases, crashes, retries).

They stand in for the real policy (`proactive.gate.check_before_send`) so a test controls what the
pump is allowed to send; the policy itself is tested on its own. The channel is the one the test
wrote into the row's context (`"channel"`), web when none.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from crm.models import Channel, OutboxMessage
from crm.uow import UnitOfWork
from proactive.verdict import Verdict


def _channel(message: OutboxMessage) -> Channel:
    return Channel(json.loads(message.context).get("channel") or "web")


def allow_all(uow: UnitOfWork, message: OutboxMessage, now: datetime) -> Verdict:
    """Everything may go, on the channel the test chose."""
    return Verdict(True, "ok", _channel(message))


def by_subject(uow: UnitOfWork, message: OutboxMessage, now: datetime) -> Verdict:
    """Subject `blocked...` is refused for good, `later...` is put off by an hour, anything else goes."""
    if message.subject.startswith("blocked"):
        return Verdict(False, "consent", detail="test gate: no consent")
    if message.subject.startswith("later"):
        return Verdict(False, "quiet_hours", retry_at=now + timedelta(hours=1))
    return allow_all(uow, message, now)
