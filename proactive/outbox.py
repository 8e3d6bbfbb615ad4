"""The outbox's life cycle: claim due rows under a lease, then mark each sent, suppressed,
rescheduled, retried with backoff or failed. Every change is one short transaction, so a pump
that dies at any point leaves rows another pump can take over.

A row in `sending` whose lease ran out belongs to a pump that died (or hung past its lease).
It may or may not have been delivered: the pump that recovers it asks the channel first
(`Claim.recovered`), and sends again only when the channel has no trace of the key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm.models import Channel, OutboxState, ProactiveDecision
from crm.uow import UnitOfWork
from proactive.verdict import Verdict

# Longer than the slowest send (Rasa's API timeout is 60 s), or a live pump's row could be
# recovered and sent a second time while the first send is still under way.
DEFAULT_LEASE = timedelta(minutes=3)
DEFAULT_BATCH = 20
MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class Claim:
    """A row this pump now holds: `recovered` when a dead pump held it before."""

    id: int
    recovered: bool


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: base·2^(n-1), capped, times a random factor in [0.5, 1]."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = MAX_ATTEMPTS

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        raw = min(self.cap, self.base * (2 ** max(0, attempts - 1)))
        # Jitter spreads retries of many rows that failed together (a channel outage) over time.
        return timedelta(seconds=raw.total_seconds() * rng.uniform(0.5, 1.0))


def claim(
    uow: UnitOfWork,
    owner: str,
    now: datetime,
    *,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = DEFAULT_BATCH,
) -> list[Claim]:
    """Leases up to `limit` rows to `owner`: first those whose lease ran out, then the due ones.

    Every claim counts as an attempt, recovered ones too: a row that kills every pump that
    takes it ends up failed instead of looping for ever.
    """
    if limit <= 0:
        raise ValueError("the batch size must be positive")
    with uow:
        lease_until = now + lease
        recovered = uow.outbox.claim(
            uow.outbox.lease_expired(now), owner, lease_until, limit, count_attempt=True
        )
        fresh: list[int] = []
        if len(recovered) < limit:
            fresh = uow.outbox.claim(
                uow.outbox.pending_due(now), owner, lease_until, limit - len(recovered), count_attempt=True
            )
        uow.commit()
    return [Claim(i, True) for i in recovered] + [Claim(i, False) for i in fresh]


def note_channel(
    uow: UnitOfWork, message_id: int, owner: str, channel: Channel, conversation_id: str | None
) -> bool:
    """Records where the message is about to go, before it goes: a pump that recovers the row
    after a crash knows which conversation (or mailbox) to check for it."""
    with uow:
        held = uow.outbox.leased(message_id, owner, channel=channel, conversation_id=conversation_id)
        uow.commit()
    return held


def mark_sent(
    uow: UnitOfWork, message_id: int, owner: str, now: datetime, channel: Channel, conversation_id: str | None
) -> bool:
    with uow:
        held = uow.outbox.leased(
            message_id,
            owner,
            state=OutboxState.SENT,
            sent_at=now,
            channel=channel,
            conversation_id=conversation_id,
            lease_owner=None,
            lease_until=None,
            last_error=None,
        )
        uow.commit()
    return held


def suppress(
    uow: UnitOfWork, message_id: int, owner: str, verdict: Verdict, now: datetime, *, record: bool = True
) -> bool:
    """The policy (or the channel: nobody to send to) said no: the row ends, the reason is recorded.

    `record=False` when the gate has recorded its decision itself (`proactive.gate` records every
    one, allowed or not), so the audit trail holds one row per decision.
    """
    with uow:
        message = uow.outbox.by_id(message_id)
        held = uow.outbox.leased(
            message_id, owner, state=OutboxState.SUPPRESSED, lease_owner=None, lease_until=None,
            last_error=verdict.detail or verdict.reason,
        )  # fmt: skip
        if held and record and message is not None:
            uow.triggers.add_decisions(
                [
                    ProactiveDecision(
                        trigger_id=message.trigger_id,
                        customer_id=message.customer_id,
                        key=message.key,
                        stage="send",
                        allowed=False,
                        reason=verdict.reason,
                        channel=verdict.channel,
                        detail=verdict.detail,
                        decided_at=now,
                    )
                ]
            )
        uow.commit()
    return held


def reschedule(uow: UnitOfWork, message_id: int, owner: str, when: datetime, reason: str) -> bool:
    """Not now (quiet hours, a window, a paused conversation): back to pending, not an attempt."""
    with uow:
        message = uow.outbox.by_id(message_id)
        attempts = max(0, (message.attempts if message else 1) - 1)
        held = uow.outbox.leased(
            message_id, owner, state=OutboxState.PENDING, not_before=when, attempts=attempts,
            lease_owner=None, lease_until=None, last_error=reason,
        )  # fmt: skip
        uow.commit()
    return held


def retry_or_fail(
    uow: UnitOfWork,
    message_id: int,
    owner: str,
    now: datetime,
    error: str,
    backoff: Backoff,
    rng: random.Random,
) -> OutboxState | None:
    """The channel failed: try again after a backoff, or give up after `backoff.max_attempts`.

    Returns the row's new state, or None when this pump no longer held it.
    """
    with uow:
        message = uow.outbox.by_id(message_id)
        attempts = message.attempts if message else backoff.max_attempts
        if attempts >= backoff.max_attempts:
            state, values = OutboxState.FAILED, {}
        else:
            state, values = OutboxState.PENDING, {"not_before": now + backoff.delay(attempts, rng)}
        held = uow.outbox.leased(
            message_id,
            owner,
            state=state,
            lease_owner=None,
            lease_until=None,
            last_error=error[:2000],
            **values,
        )
        uow.commit()
    return state if held else None


def fail(uow: UnitOfWork, message_id: int, owner: str, error: str) -> bool:
    """Failed for good: no more tries."""
    with uow:
        held = uow.outbox.leased(
            message_id,
            owner,
            state=OutboxState.FAILED,
            lease_owner=None,
            lease_until=None,
            last_error=error[:2000],
        )
        uow.commit()
    return held


def counts(uow: UnitOfWork) -> dict[OutboxState, int]:
    with uow:
        return uow.outbox.counts_by_state()


def retry_elsewhere(uow: UnitOfWork, message_id: int, owner: str, now: datetime, error: str) -> bool:
    """The channel refused the customer for good: pending again at once, for the next channel."""
    with uow:
        held = uow.outbox.leased(
            message_id, owner, state=OutboxState.PENDING, not_before=now, lease_owner=None, lease_until=None,
            last_error=error[:2000],
        )  # fmt: skip
        uow.commit()
    return held


def release(uow: UnitOfWork, message_ids: list[int], owner: str) -> int:
    """A stopping pump gives back rows it claimed but did not start: pending again, not an attempt."""
    released = 0
    with uow:
        for message_id in message_ids:
            message = uow.outbox.by_id(message_id)
            if message is None:
                continue
            released += uow.outbox.leased(
                message_id, owner, state=OutboxState.PENDING, attempts=max(0, message.attempts - 1),
                lease_owner=None, lease_until=None,
            )  # fmt: skip
        uow.commit()
    return released


def release_stale(uow: UnitOfWork, now: datetime) -> int:
    """Housekeeping: rows whose pump died before it chose a channel were surely not sent; they go
    back to pending. Rows that got as far as a channel wait for a pump to check that channel."""
    with uow:
        released = uow.outbox.release_unsent_expired(now)
        uow.commit()
    return released
