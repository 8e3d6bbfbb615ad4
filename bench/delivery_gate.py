"""The send gate of the delivery bench: every message may go, on the channel its plan chose.

The bench measures delivery (claims, the send through Rasa, the proof, the commits), not the
policy; the policy's own gate (`proactive.gate.check_before_send`) is measured in its tests.
"""

from __future__ import annotations

import json
from datetime import datetime

from crm.models import Channel, OutboxMessage
from crm.uow import UnitOfWork
from proactive.verdict import Verdict


def planned_channel(uow: UnitOfWork, message: OutboxMessage, now: datetime) -> Verdict:
    return Verdict(True, "ok", Channel(json.loads(message.context)["channel"]))
