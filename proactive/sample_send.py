"""A test send: one trigger's message, rendered for a real customer, to a chosen chat or address,
before the trigger is activated. No outbox row is written, so it never counts in the outbox's
statistics, and the message says it is a test."""

from __future__ import annotations

import string
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from crm.models import Channel, Customer
from crm.uow import UnitOfWork
from outreach.send import SendResult
from proactive.channels import ChannelSender, Outgoing

TEST_PREFIX = "test:"
KIND_OF = {"replenishment": "replenishment", "maintenance": "service_due", "delivery_risk": "delivery_late"}


class SampleSendError(ValueError):
    """The test send cannot go: the message says what to fix."""


def parse_target(target: str) -> tuple[Channel, str]:
    kind, _, where = target.partition(":")
    try:
        channel = Channel(kind)
    except ValueError:
        raise SampleSendError(
            f"--to {target!r}: expected telegram:<chat>, web:<customer ref> or email:<address>"
        ) from None
    if not where:
        raise SampleSendError(f"--to {target!r}: say which {kind} chat or address")
    return channel, where


def render(template: str, facts: Mapping[str, Any]) -> str:
    """The trigger's text with these facts; a placeholder without a value is an error, never a gap."""
    try:
        from proactive.triggers import render as render_trigger
    except ModuleNotFoundError:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        missing = sorted(names - {k for k, v in facts.items() if v is not None})
        if missing:
            raise SampleSendError(
                f"the template needs {', '.join(missing)}: give them with --fact NAME=VALUE"
            ) from None
        return template.format_map(dict(facts))
    try:
        return str(render_trigger(template, facts))
    except ValueError as error:
        raise SampleSendError(f"{error}: give the missing values with --fact NAME=VALUE") from error


def send_sample(
    store: Callable[[], UnitOfWork],
    senders: Mapping[Channel, ChannelSender],
    trigger_name: str,
    target: str,
    customer_ref: str | None,
    facts: Mapping[str, str],
    now: datetime,
) -> SendResult:
    channel, where = parse_target(target)
    with store() as uow:
        trigger = uow.triggers.by_name(trigger_name)
        if trigger is None:
            raise SampleSendError(f"no trigger named {trigger_name!r}")
        recipient = _recipient(uow, channel, where)
        about = uow.customers.by_ref(customer_ref) if customer_ref else recipient
        if about is None:
            raise SampleSendError(
                f"no customer {customer_ref!r}" if customer_ref else "name a customer with --customer"
            )
        values = {
            "first_name": about.name.split()[0] if about.name else "",
            "name": about.name,
            "customer": about.external_ref,
            **facts,
        }
        text = render(trigger.template, values)
        key = f"{TEST_PREFIX}{trigger.name}:{uuid.uuid4().hex[:12]}"
        kind = KIND_OF.get(trigger.predictor.value, trigger.predictor.value)
        message = Outgoing(
            id=0,
            key=key,
            customer_id=(recipient or about).id,
            intent=f"EXTERNAL_{kind}",
            context={
                **facts,
                "message": f"[Test] {text}",
                "email_subject": f"[Test] {trigger.name}",
                "test": True,
            },
        )
        about_ref, about_name = about.external_ref, about.name
    sender = senders.get(channel)
    if sender is None:
        raise SampleSendError(f"no {channel.value} channel configured")
    if channel is Channel.EMAIL:
        send_to = getattr(sender, "send_to", None)
        if send_to is None:
            raise SampleSendError("the email channel cannot send to a chosen address")
        result: SendResult = send_to(message, where, about_ref, about_name)
        return result
    if recipient is None:
        raise SampleSendError(f"{target}: no customer is linked there")
    return sender.send(message, channel)


def _recipient(uow: UnitOfWork, channel: Channel, where: str) -> Customer | None:
    if channel is Channel.WEB:
        found = uow.customers.by_ref(where)
        if found is None:
            raise SampleSendError(f"web:{where}: no customer with that reference")
        return found
    if channel is Channel.TELEGRAM:
        found = uow.customers.by_identity(Channel.TELEGRAM, where)
        if found is None:
            raise SampleSendError(f"telegram:{where}: no customer linked that chat")
        return found
    return None  # email goes to the address given, whoever it is
