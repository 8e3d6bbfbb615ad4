"""The delivery pump: claims due outbox rows, checks the policy again, sends, records the outcome.

Several pumps may run against one PostgreSQL (each claims with `FOR UPDATE SKIP LOCKED`). One
pump sends one message at a time, at most `batch` per claim: the channels keep their own rate
limits (Telegram's per-chat and global limits live in the Rasa process), and a bounded batch
means a pump that dies strands at most that many rows until their leases run out.

`PROACTIVE_CRASH_AT` (tests only) kills the process like `kill -9` at a named point.
"""

from __future__ import annotations

import enum
import logging
import os
import random
import signal
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from crm.models import Channel, OutboxMessage, OutboxState
from crm.services.channel_links import mark_unreachable
from crm.uow import UnitOfWork
from outreach.send import Delivery, SendResult
from proactive import outbox
from proactive.channels import ChannelSender, Outgoing
from proactive.freshen import DAY, facts_taken_at, freshened
from proactive.predictors.base import aware
from proactive.verdict import SendGate, Verdict

log = logging.getLogger("proactive.pump")

# A conversation a person has taken: look again after this long.
PAUSED_RETRY = timedelta(minutes=15)


class CrashPoint(enum.StrEnum):
    AFTER_CLAIM = "after_claim"  # the batch is leased, nothing sent
    AFTER_SEND = "after_send"  # the first message went out, its row still says `sending`
    MID_BATCH = "mid_batch"  # the first message is sent and recorded, the rest are leased


def crash_point_from_env(environ: Mapping[str, str] | None = None) -> CrashPoint | None:
    value = (os.environ if environ is None else environ).get("PROACTIVE_CRASH_AT", "").strip()
    if not value:
        return None
    try:
        return CrashPoint(value)
    except ValueError:
        raise ValueError(
            f"PROACTIVE_CRASH_AT={value!r}: expected one of {', '.join(p.value for p in CrashPoint)}"
        ) from None


def die() -> None:
    """What `kill -9` does: no cleanup, no commit, no `finally`."""
    os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class Decision:
    """What the pump decided for one row before sending it: the gate's verdict, and where it goes."""

    verdict: Verdict
    channel: Channel | None = None
    sender: ChannelSender | None = None
    address: str | None = None  # noted on the row (committed) when not None
    held: bool = True  # False: another pump took the row over meanwhile


@dataclass
class BatchReport:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class Pump:
    store: Callable[[], UnitOfWork]
    gate: SendGate
    senders: Mapping[Channel, ChannelSender]
    clock: Callable[[], datetime]
    owner: str
    batch: int = outbox.DEFAULT_BATCH
    lease: timedelta = outbox.DEFAULT_LEASE
    backoff: outbox.Backoff = field(default_factory=outbox.Backoff)
    rng: random.Random = field(default_factory=random.Random)
    crash_at: CrashPoint | None = None
    crash: Callable[[], None] = die
    # The gate records its own decisions (`proactive.gate` does): the pump then records only
    # the refusals it makes itself (no reachable chat, unknown customer).
    gate_records: bool = True

    def run(self, stop: threading.Event, idle: float = 2.0) -> None:
        """Pumps until `stop` is set; the message in hand is finished first."""
        while not stop.is_set():
            report = self.run_batch(stop)
            if report.claimed:
                log.info("pump %s: %d claimed, %s", self.owner, report.claimed, dict(report.outcomes))
            else:
                stop.wait(idle)

    def run_batch(self, stop: threading.Event | None = None) -> BatchReport:
        report = BatchReport()
        claims = outbox.claim(self.store(), self.owner, self.clock(), lease=self.lease, limit=self.batch)
        report.claimed = len(claims)
        if claims and self.crash_at is CrashPoint.AFTER_CLAIM:
            self.crash()
        for index, claimed in enumerate(claims):
            if stop is not None and stop.is_set():
                # Stopping: give the rest back at once rather than after the lease.
                outbox.release(self.store(), [c.id for c in claims[index:]], self.owner)
                report.outcomes["released"] += len(claims) - index
                break
            if index == 1 and self.crash_at is CrashPoint.MID_BATCH:
                self.crash()
            try:
                outcome = self.deliver(claimed)
            except Exception as error:  # one bad row must not stop the others
                log.exception("pump %s: row %d failed", self.owner, claimed.id)
                outbox.retry_or_fail(
                    self.store(),
                    claimed.id,
                    self.owner,
                    self.clock(),
                    f"pump error: {error}",
                    self.backoff,
                    self.rng,
                )
                outcome = "error"
            report.outcomes[outcome] += 1
        return report

    def deliver(self, claimed: outbox.Claim) -> str:
        """Sends one claimed row (or finds it already sent); returns what happened, for the log.

        A fresh row takes one unit of work before the send: its lease checked, the gate, the
        address and the note of where it goes, one commit. No transaction stays open while a
        channel is asked.
        """
        now = self.clock()
        decision: Decision | None = None
        with self.store() as uow:
            row = uow.outbox.by_id(claimed.id)
            if row is None or row.state is not OutboxState.SENDING or row.lease_owner != self.owner:
                return "lost_lease"
            noted, address, attempts = row.channel, row.conversation_id, row.attempts
            try:
                message = Outgoing.of(row.id, row.key, row.customer_id, row.intent, row.context)
            except ValueError as error:
                broken = str(error)
            else:
                broken = ""
                message = _as_of(uow, row, message, now)
            reached_channel = noted is not None and bool(address)
            if not broken and not reached_channel and attempts <= self.backoff.max_attempts:
                decision = self._decide(uow, row, message, now)
        if decision is not None:
            return self._act(message, decision, now)
        if broken:  # retrying cannot mend it: failed at once, with what is wrong
            outbox.fail(self.store(), claimed.id, self.owner, broken)
            return "failed"
        # An earlier attempt got as far as the channel (a pump died after the send, or the send
        # failed ambiguously): ask the channel before sending again.
        if noted is not None and address:
            found = self._already_delivered(message, noted, address)
            if found:
                outbox.mark_sent(self.store(), message.id, self.owner, now, noted, address)
                return "found_delivered"
            if found is None:  # email: SMTP cannot be asked (see proactive.email)
                log.warning(
                    "row %s may have gone out on %s before a crash: sending again", message.key, noted.value
                )
        if attempts > self.backoff.max_attempts:
            outbox.fail(self.store(), message.id, self.owner, f"gave up after {attempts - 1} attempts")
            return "failed"
        with self.store() as uow:
            row = uow.outbox.by_id(claimed.id)
            if row is None:
                return "lost_lease"
            decision = self._decide(uow, row, message, now)
        return self._act(message, decision, now)

    def _decide(self, uow: UnitOfWork, row: OutboxMessage, message: Outgoing, now: datetime) -> Decision:
        """The gate, then where the message goes, noted on the row before the send (a pump that
        recovers the row knows where to look for it); committed, in the caller's unit of work."""
        verdict = self.gate(uow, row, now)  # the gate records its own decision rows (`proactive.gate`)
        if not verdict.allowed:
            uow.commit()
            return Decision(verdict)
        channel = verdict.channel or _channel_in(message)
        sender = self.senders.get(channel) if channel else None
        address = sender.address(uow, message, channel) if sender and channel else None
        held = True
        if address is not None:
            held = uow.outbox.leased(message.id, self.owner, channel=channel, conversation_id=address)
        uow.commit()
        return Decision(verdict, channel, sender, address, held)

    def _act(self, message: Outgoing, decision: Decision, now: datetime) -> str:
        verdict, channel, sender, address = (
            decision.verdict, decision.channel, decision.sender, decision.address
        )  # fmt: skip
        if not decision.held:
            return "lost_lease"
        if not verdict.allowed:
            if verdict.retry_at is not None:
                outbox.reschedule(self.store(), message.id, self.owner, verdict.retry_at, verdict.reason)
                return "rescheduled"
            outbox.suppress(self.store(), message.id, self.owner, verdict, now, record=not self.gate_records)
            return "suppressed"
        if sender is None or channel is None or address is None:
            nowhere = Verdict(False, "no_channel", channel, detail=f"no reachable {channel or 'channel'}")
            outbox.suppress(self.store(), message.id, self.owner, nowhere, self.clock())
            return "suppressed"
        try:
            result = sender.send(message, channel, address)
        except ValueError as error:  # the message itself is unusable (no text): no retry mends it
            outbox.fail(self.store(), message.id, self.owner, str(error))
            return "failed"
        if self.crash_at is CrashPoint.AFTER_SEND:
            self.crash()
        return self._record(message, channel, address, result)

    def _already_delivered(self, message: Outgoing, channel: Channel, address: str) -> bool | None:
        sender = self.senders.get(channel)
        return sender.already_delivered(message, address) if sender else None

    def _record(self, message: Outgoing, channel: Channel, address: str, result: SendResult) -> str:
        now = self.clock()
        store, owner = self.store, self.owner
        status = result.status
        if status is Delivery.DELIVERED:
            outbox.mark_sent(store(), message.id, owner, now, channel, result.conversation_id or address)
            return "sent"
        if status is Delivery.PAUSED:
            outbox.reschedule(store(), message.id, owner, now + PAUSED_RETRY, "conversation paused")
            return "rescheduled"
        if status in (Delivery.NO_CHANNEL, Delivery.UNKNOWN_CUSTOMER):
            outbox.suppress(
                store(), message.id, owner, Verdict(False, status.value, channel, detail=result.detail), now
            )
            return "suppressed"
        if status is Delivery.UNREACHABLE:
            # Blocked for good on this channel: never again there; the policy picks another one
            # at once (it skips unreachable channels), or finds none and suppresses it.
            external_id = address.split(":", 1)[1] if ":" in address else address
            mark_unreachable(store(), channel, external_id, now)
            outbox.retry_elsewhere(
                store(), message.id, owner, now, f"{channel.value} unreachable: {result.detail}"
            )
            return "unreachable"
        # FAILED, NOT_SHOWN: worth another try after a pause.
        state = outbox.retry_or_fail(
            store(), message.id, owner, now, f"{status.value}: {result.detail}", self.backoff, self.rng
        )
        return "failed" if state is OutboxState.FAILED else "retry"


def _as_of(uow: UnitOfWork, row: OutboxMessage, message: Outgoing, now: datetime) -> Outgoing:
    """The message with its facts and text as of `now`: a snoozed or held row is shown days later."""
    taken_at = facts_taken_at(message.context, aware(row.created_at))
    if now - taken_at < DAY / 2:  # freshened() would change nothing: no store reads on the hot path
        return message
    trigger = uow.triggers.by_id(row.trigger_id) if row.trigger_id is not None else None
    customer = uow.customers.by_id(row.customer_id)
    name = customer.name if customer is not None else ""
    names = {"name": name, "first_name": name.split()[0] if name.strip() else "there"}
    context = freshened(message.context, trigger.template if trigger else None, taken_at, now, names)
    return replace(message, context=context)


def _channel_in(message: Outgoing) -> Channel | None:
    """The channel the planner chose, when the gate leaves it open."""
    try:
        return Channel(message.context.get("channel", ""))
    except ValueError:
        return None
