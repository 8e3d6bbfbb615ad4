"""Triggers as data: their definition, audience filter and template, checked before they are used.

A trigger row (`crm.models.Trigger`) becomes a `TriggerSpec`: plain values the pure policy reads.
The audience is a JSON object of filters; the template is English text with `{placeholders}` the
predictor's facts fill, and it must say *why* the customer hears from us.

Categories: a late-delivery apology and a service reminder are about something the customer
owns or ordered, so they are **service** messages; a refill reminder invites a new purchase, so
replenishment (and any win-back) is **marketing** and needs marketing consent.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from crm.models import Channel, ConsentPurpose, Predictor, ProductKind, Trigger, TriggerStatus
from crm.uow import UnitOfWork
from proactive.timing import Span

PREFERRED = "preferred"
# The `EXTERNAL_<kind>` intent and the context kind the dialogue answers (dialogue/flows/proactive.py).
KIND_OF: dict[Predictor, str] = {
    Predictor.REPLENISHMENT: "replenishment",
    Predictor.MAINTENANCE: "service_due",
    Predictor.DELIVERY_RISK: "delivery_late",
}
COMMON_PLACEHOLDERS = frozenset({"name", "first_name", "due_date", "due_day", "days_since"})
PLACEHOLDERS: dict[Predictor, frozenset[str]] = {
    Predictor.REPLENISHMENT: COMMON_PLACEHOLDERS | {"product", "quantity", "usual_days", "purchases"},
    Predictor.MAINTENANCE: COMMON_PLACEHOLDERS
    | {
        "product",
        "device",
        "serial",
        "usual_days",
        "service_date",
        "last_service",
        "since_what",
        "warranty_ends",
        "warranty_note",
        "warranty_end_day",
    },
    Predictor.DELIVERY_RISK: COMMON_PLACEHOLDERS
    | {
        "order",
        "carrier",
        "tracking",
        "status",
        "last_update",
        "shipped_on",
        "expected_date",
        "expected_day",
        "days_late",
    },
}


class TriggerError(ValueError):
    """A trigger definition that cannot be used as written (the message says what to change)."""


@dataclass(frozen=True)
class Audience:
    """Who a trigger is for, beyond what its predictor finds; empty fields mean no restriction."""

    countries: frozenset[str] = frozenset()
    min_orders: int = 0  # orders placed, cancelled ones not counted
    product_ids: frozenset[int] = frozenset()
    kinds: frozenset[ProductKind] = frozenset()
    categories: frozenset[str] = frozenset()
    customer_refs: frozenset[str] = frozenset()
    time_zones: frozenset[str] = frozenset()
    min_confidence: float = 0.0

    @property
    def needs_products(self) -> bool:
        return bool(self.kinds or self.categories)


@dataclass(frozen=True)
class TriggerSpec:
    """What the policy and the planner need of a trigger, as plain values."""

    id: int | None
    name: str
    predictor: Predictor
    category: ConsentPurpose
    template: str
    channels: tuple[str, ...]  # Channel values and "preferred", in order
    window: Span
    status: TriggerStatus = TriggerStatus.ACTIVE
    audience: Audience = field(default_factory=Audience)
    holdout_percent: int = 0
    throttle_per_hour: int | None = None
    cooldown_days: int = 30
    lead_days: int = 3

    @property
    def kind(self) -> str:
        return KIND_OF[self.predictor]

    @property
    def intent(self) -> str:
        return f"EXTERNAL_{self.kind}"


def parse_audience(text: str | Mapping[str, Any]) -> Audience:
    """The audience JSON object, checked key by key; raises `TriggerError` naming the bad part."""
    try:
        raw = json.loads(text) if isinstance(text, str) else dict(text)
    except json.JSONDecodeError as error:
        raise TriggerError(f"audience is not valid JSON: {error}") from error
    if not isinstance(raw, dict):
        raise TriggerError(f"audience must be a JSON object, got {type(raw).__name__}")
    known = set(Audience.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise TriggerError(
            f"audience: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    values: dict[str, Any] = {}
    for key in ("countries", "categories", "customer_refs", "time_zones"):
        if key in raw:
            values[key] = frozenset(_strings(key, raw[key]))
    if "product_ids" in raw:
        ids = raw["product_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise TriggerError(f"audience: product_ids must be a list of integers, got {ids!r}")
        values["product_ids"] = frozenset(ids)
    if "kinds" in raw:
        try:
            values["kinds"] = frozenset(ProductKind(kind) for kind in _strings("kinds", raw["kinds"]))
        except ValueError as error:
            raise TriggerError(
                f"audience: kinds must be among {', '.join(k.value for k in ProductKind)}: {error}"
            ) from error
    if "min_orders" in raw:
        number = raw["min_orders"]
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise TriggerError(f"audience: min_orders must be a whole number >= 0, got {number!r}")
        values["min_orders"] = number
    if "min_confidence" in raw:
        level = raw["min_confidence"]
        if not isinstance(level, int | float) or isinstance(level, bool) or not 0 <= level <= 1:
            raise TriggerError(f"audience: min_confidence must be a number in 0..1, got {level!r}")
        values["min_confidence"] = float(level)
    return Audience(**values)


def placeholders_of(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise TriggerError(f"template: {error} (write a literal brace as {{{{ or }}}})") from error


def check_template(template: str, predictor: Predictor) -> None:
    """Refuses a template with a placeholder the predictor cannot fill, or none at all."""
    if not template.strip():
        raise TriggerError("template is empty")
    names = placeholders_of(template)
    bad = sorted(name for name in names if not name.isidentifier() or name not in PLACEHOLDERS[predictor])
    if bad:
        known = ", ".join("{" + n + "}" for n in sorted(PLACEHOLDERS[predictor]))
        listed = ", ".join("{" + n + "}" for n in bad)
        raise TriggerError(
            f"template: unknown placeholder(s) {listed} for a {predictor.value} trigger; known: {known}"
        )


def render(template: str, facts: Mapping[str, Any]) -> str:
    """The message text; a placeholder without a value is an error, never an empty gap."""
    values = {name: facts.get(name) for name in placeholders_of(template)}
    missing = sorted(name for name, value in values.items() if value is None)
    if missing:
        raise TriggerError(f"template: no value for {', '.join('{' + n + '}' for n in missing)}")
    return template.format(**values)


def parse_channels(text: str) -> tuple[str, ...]:
    channels = tuple(part.strip() for part in text.split(",") if part.strip())
    allowed = {PREFERRED, *(c.value for c in Channel)}
    bad = [c for c in channels if c not in allowed]
    if bad or not channels:
        raise TriggerError(f"channels: {text!r} must list some of {', '.join(sorted(allowed))}")
    return channels


def spec_of(trigger: Trigger) -> TriggerSpec:
    """The trigger as plain values, checked; raises `TriggerError` for a broken definition."""
    check_template(trigger.template, trigger.predictor)
    return TriggerSpec(
        id=trigger.id,
        name=trigger.name,
        predictor=trigger.predictor,
        category=trigger.category,
        template=trigger.template,
        channels=parse_channels(trigger.channels),
        window=Span(trigger.window_start, trigger.window_end),
        status=trigger.status,
        audience=parse_audience(trigger.audience or "{}"),
        holdout_percent=trigger.holdout_percent,
        throttle_per_hour=trigger.throttle_per_hour,
        cooldown_days=trigger.cooldown_days,
        lead_days=trigger.lead_days,
    )


def active_triggers(uow: UnitOfWork) -> list[TriggerSpec]:
    """The active triggers, checked (call inside `with uow:`)."""
    return [spec_of(trigger) for trigger in uow.triggers.active()]


def _strings(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise TriggerError(f"audience: {key} must be a list of non-empty strings, got {value!r}")
    return value


# The demo's ready triggers. Each template says why the customer hears from us.
DEMO_TRIGGERS: tuple[dict[str, Any], ...] = (
    {
        "name": "consumable-refill",
        "description": "A consumable the customer buys regularly is about to run out.",
        "predictor": Predictor.REPLENISHMENT,
        "category": ConsentPurpose.MARKETING,
        "template": (
            "Hi {first_name}, you last ordered {product} {days_since} days ago, and that usually "
            "lasts you about {usual_days} days. Shall I reorder {quantity} for you?"
        ),
        "audience": {"min_confidence": 0.3},
        "channels": "preferred,telegram,web,email",
        "window_start": time(9, 0),
        "window_end": time(20, 0),
        "holdout_percent": 10,
        "throttle_per_hour": 200,
        "cooldown_days": 21,
        "lead_days": 3,
        "every_minutes": 60,
    },
    {
        "name": "service-due",
        "description": "A device is due for its scheduled service (earlier if the warranty ends first).",
        "predictor": Predictor.MAINTENANCE,
        "category": ConsentPurpose.SERVICE,
        "template": (
            "Hi {first_name}, your {device} was {since_what} {days_since} days ago, and it wants a "
            "service every {usual_days} days{warranty_note}. Shall I book one?"
        ),
        "audience": {},
        "channels": "preferred,telegram,web,email",
        "window_start": time(9, 0),
        "window_end": time(19, 0),
        "holdout_percent": 5,
        "throttle_per_hour": 100,
        "cooldown_days": 30,
        "lead_days": 7,
        "every_minutes": 240,
    },
    {
        "name": "late-delivery-apology",
        "description": "A shipped parcel is past its expected day: apologise with the real status.",
        "predictor": Predictor.DELIVERY_RISK,
        "category": ConsentPurpose.SERVICE,
        "template": (
            "Hi {first_name}, we're sorry: your order {order} should have arrived by {expected_day} "
            "and it is still {status} (latest update: {last_update}). Shall we chase the carrier for you?"
        ),
        "audience": {},
        "channels": "preferred,telegram,email,web",
        "window_start": time(8, 0),
        "window_end": time(21, 0),
        "holdout_percent": 0,
        "throttle_per_hour": None,
        "cooldown_days": 7,
        "lead_days": 0,
        "every_minutes": 30,
    },
)


def seed_triggers(uow: UnitOfWork, now: datetime) -> list[str]:
    """Adds the demo triggers that are missing (by name), active; returns the names added."""
    added: list[str] = []
    with uow:
        for definition in DEMO_TRIGGERS:
            if uow.triggers.by_name(definition["name"]) is not None:
                continue
            values = {**definition, "audience": json.dumps(definition["audience"])}
            trigger = Trigger(**values, status=TriggerStatus.ACTIVE, created_at=now, updated_at=now)
            spec_of(trigger)  # a broken demo definition fails here, not at the first scoring pass
            uow.triggers.add(trigger)
            added.append(definition["name"])
        uow.commit()
    return added
