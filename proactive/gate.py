"""The policy again, when the pump is about to send a planned message (`SendGate`).

Facts change between planning and sending (a consent withdrawn, a complaint opened, the cap used
up by another message, the kill switch), so the pump asks here right before every send. The
verdict is recorded as a `send`-stage decision in the caller's transaction (the caller commits).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from crm.models import OutboxMessage, ProactiveDecision
from crm.uow import UnitOfWork
from proactive.facts import load_facts
from proactive.policy import PolicySettings, Reason, decide, policy_settings
from proactive.triggers import TriggerError, spec_of
from proactive.verdict import SendGate, Verdict


class Gate:
    """A `SendGate` with fixed policy settings (tests pass their own)."""

    def __init__(self, settings: PolicySettings | None = None) -> None:
        self._settings = settings

    def __call__(self, uow: UnitOfWork, message: OutboxMessage, now: datetime) -> Verdict:
        verdict = self._verdict(uow, message, now)
        uow.triggers.add_decisions(
            [
                ProactiveDecision(
                    trigger_id=message.trigger_id,
                    customer_id=message.customer_id,
                    key=message.key,
                    stage="send",
                    allowed=verdict.allowed,
                    reason=str(verdict.reason),
                    channel=verdict.channel,
                    detail=_detail(verdict),
                    decided_at=now,
                )
            ]
        )
        return verdict

    def _verdict(self, uow: UnitOfWork, message: OutboxMessage, now: datetime) -> Verdict:
        trigger = uow.triggers.by_id(message.trigger_id) if message.trigger_id is not None else None
        if trigger is None:
            return Verdict(False, Reason.TRIGGER_PAUSED, detail="the trigger was deleted")
        try:
            # The category it was planned under stands, even if the trigger was re-categorised.
            spec = replace(spec_of(trigger), category=message.category)
        except TriggerError as error:
            return Verdict(False, Reason.TRIGGER_PAUSED, detail=f"broken definition: {error}")
        facts = load_facts(uow, [message.customer_id], now).get(message.customer_id)
        if facts is None:
            return Verdict(False, Reason.NO_CHANNEL, detail="the customer is gone")
        settings = self._settings or policy_settings()
        return decide(facts, spec, now, settings, subject=message.subject, key=message.key)


def check_before_send(uow: UnitOfWork, message: OutboxMessage, now: datetime) -> Verdict:
    """The `SendGate` the pump calls, with the settings from the environment (call inside `with uow:`)."""
    return Gate()(uow, message, now)


def _detail(verdict: Verdict) -> str:
    retry = f"retry at {verdict.retry_at.isoformat()}" if verdict.retry_at else ""
    return "; ".join(part for part in (verdict.detail, retry) if part)


_: SendGate = check_before_send  # the pump's protocol, checked by mypy
