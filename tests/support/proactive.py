"""Small builders for proactive-engine tests: a customer's facts snapshot and a trigger spec."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import Any

from crm.models import Channel, ConsentPurpose, Predictor, TriggerStatus
from proactive.facts import CustomerFacts
from proactive.timing import Span
from proactive.triggers import TriggerSpec

ALL_CONSENTS = frozenset((purpose, channel) for purpose in ConsentPurpose for channel in Channel)


def facts(customer_id: int = 1, **changes: Any) -> CustomerFacts:
    base = CustomerFacts(
        customer_id=customer_id,
        external_ref=f"C{customer_id:05d}",
        name="Anna Schmidt",
        country="Germany",
        time_zone="Europe/Berlin",
        preferred_channel=Channel.TELEGRAM,
        quiet_hours=Span(time(21, 0), time(8, 0)),
        max_per_week=5,
        consents=ALL_CONSENTS,
        reachable=frozenset(Channel),
    )
    return replace(base, **changes)


def trigger(**changes: Any) -> TriggerSpec:
    base = TriggerSpec(
        id=1,
        name="refill",
        predictor=Predictor.REPLENISHMENT,
        category=ConsentPurpose.MARKETING,
        template="Hi {first_name}, your {product} runs out around {due_date}.",
        channels=("preferred", "telegram", "web", "email"),
        window=Span(time(9, 0), time(20, 0)),
        status=TriggerStatus.ACTIVE,
        holdout_percent=0,
        cooldown_days=30,
    )
    return replace(base, **changes)
