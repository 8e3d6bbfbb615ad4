"""What a click on an answer link under a proactive email changes.

Every answer is recorded on the message's outbox row. "Stop" withdraws marketing consent on
every channel at once (source: email) and can be undone; service messages about the customer's
own orders and devices are untouched, as with "stop" in the chat. "Less often" halves the weekly
cap; "another channel" sets the preferred channel. A link from a test send changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm.models import Channel, Consent, ConsentPurpose, ConsentSource, ProactiveAnswer
from crm.services.preferences import message_less_often, set_preferred_channel
from crm.uow import UnitOfWork
from proactive.email_links import BadLink, EmailAction, LinkClaims

TEST_PREFIX = "test:"
ANSWERS = {
    EmailAction.YES: ProactiveAnswer.ACCEPTED,
    EmailAction.NOT_NOW: ProactiveAnswer.DECLINED,
    EmailAction.LATER: ProactiveAnswer.SNOOZED,
    EmailAction.LESS_OFTEN: ProactiveAnswer.LESS_OFTEN,
    EmailAction.OTHER_CHANNEL: ProactiveAnswer.OTHER_CHANNEL,
    EmailAction.STOP: ProactiveAnswer.OPTED_OUT,
}


@dataclass(frozen=True)
class Answered:
    action: EmailAction
    customer_id: int | None
    test: bool = False
    # After a stop: the channels whose marketing consent was in force before, for the undo.
    previously_allowed: tuple[Channel, ...] = ()


def answer(uow: UnitOfWork, claims: LinkClaims, now: datetime) -> Answered:
    """Applies the answer the link stands for; clicking it twice changes nothing more."""
    if claims.key.startswith(TEST_PREFIX):
        return Answered(claims.action, None, test=True)
    with uow:
        customer = uow.customers.by_ref(claims.customer)
        message = uow.outbox.by_key(claims.key)
        if customer is None or message is None or message.customer_id != customer.id:
            raise BadLink("this link does not belong to a message we sent")
        customer_id = customer.id
        if message.answer is None:
            message.answer, message.answered_at = ANSWERS[claims.action], now
        previous: tuple[Channel, ...] = ()
        if claims.action is EmailAction.STOP:
            in_force = uow.consents.in_force(customer_id, ConsentPurpose.MARKETING)
            previous = tuple(channel for channel in Channel if in_force.get(channel))
            _record(uow, customer_id, dict.fromkeys(Channel, False), now, only_changes=in_force)
        uow.commit()
    if claims.action is EmailAction.LESS_OFTEN:
        message_less_often(uow, customer_id)
    return Answered(claims.action, customer_id, previously_allowed=previous)


def undo_stop(uow: UnitOfWork, claims: LinkClaims, now: datetime) -> None:
    """Gives back the marketing consent a stop link withdrew (the channels signed into the undo)."""
    if claims.action is not EmailAction.STOP or claims.key.startswith(TEST_PREFIX):
        return
    allowed = {Channel(name) for name in claims.extra.split(",") if name}
    with uow:
        customer = uow.customers.by_ref(claims.customer)
        if customer is None:
            raise BadLink("this link does not belong to a customer of ours")
        in_force = uow.consents.in_force(customer.id, ConsentPurpose.MARKETING)
        _record(uow, customer.id, {c: True for c in Channel if c in allowed}, now, only_changes=in_force)
        message = uow.outbox.by_key(claims.key)
        if message is not None and message.answer is ProactiveAnswer.OPTED_OUT:
            message.answer = message.answered_at = None
        uow.commit()


def choose_channel(uow: UnitOfWork, claims: LinkClaims, channel: Channel) -> None:
    if claims.action is not EmailAction.OTHER_CHANNEL or claims.key.startswith(TEST_PREFIX):
        return
    with uow:
        customer = uow.customers.by_ref(claims.customer)
        if customer is None:
            raise BadLink("this link does not belong to a customer of ours")
        customer_id = customer.id
    set_preferred_channel(uow, customer_id, channel)


def _record(
    uow: UnitOfWork,
    customer_id: int,
    wanted: dict[Channel, bool],
    now: datetime,
    *,
    only_changes: dict[Channel, bool],
) -> None:
    """Appends a consent row per channel whose decision changes (the history is the record).

    A channel never asked gets an explicit row too: "stop" is then on record as the customer's.
    """
    for channel, granted in wanted.items():
        if channel in only_changes and only_changes[channel] == granted:
            continue
        uow.consents.add(
            Consent(
                customer_id=customer_id,
                purpose=ConsentPurpose.MARKETING,
                channel=channel,
                granted=granted,
                recorded_at=now,
                source=ConsentSource.EMAIL,
            )
        )
