"""Everything the policy needs to know about a customer, loaded for many customers at once.

`load_facts` reads the store in a handful of bulk queries (per slice of ids), never one ORM
object per customer, and returns plain snapshots; `proactive.policy.decide` is pure over them.
Every fact is taken *as of* the given instant where the store keeps history (consents are
append-only, cases have their opening and closing times), so a replay sees the past as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import func, or_, select

from crm.models import (
    CaseKind,
    Channel,
    ChannelIdentity,
    CommunicationPreferences,
    Consent,
    ConsentPurpose,
    Customer,
    LinkState,
    OutboxMessage,
    OutboxState,
    ProactiveAnswer,
    SupportCase,
)
from crm.repositories.cases import ACTIVE_STATUSES
from crm.services.preferences import DEFAULT_CHANNEL, DEFAULT_MAX_PER_WEEK
from crm.uow import UnitOfWork
from proactive.predictors.base import aware, chunks
from proactive.timing import Span

KILL_SWITCH = "kill"
# How far back sends matter: the rolling cap is 7 x 24 h; duplicates and cooldowns look further.
LOOKBACK = timedelta(days=120)
# A message in these states is sent, being sent, or will be: it counts for duplicates.
LIVE_STATES = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.SENT)


@dataclass(frozen=True)
class Contact:
    """One proactive message the customer got, is getting, or will get."""

    key: str
    subject: str
    trigger_id: int | None
    category: ConsentPurpose
    at: datetime  # sent_at once sent; the claim or `not_before` before that
    sent: bool  # sent or being sent (it uses up the cap); pending ones only block duplicates


@dataclass(frozen=True)
class CustomerFacts:
    customer_id: int
    external_ref: str
    name: str
    country: str
    time_zone: str
    preferred_channel: Channel
    quiet_hours: Span | None
    max_per_week: int
    # (purpose, channel) pairs whose newest decision, as of the snapshot, is "granted".
    consents: frozenset[tuple[ConsentPurpose, Channel]]
    # Channels with a linked identity not marked unreachable (email: an address on file).
    reachable: frozenset[Channel]
    contacts: tuple[Contact, ...] = ()
    declined: Mapping[int, datetime] = field(default_factory=dict)  # trigger id -> last "no"
    complaint_open: bool = False
    handoff_waiting: bool = False
    kill_switch: bool = False

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else "there"


def kill_switch_on(uow: UnitOfWork) -> bool:
    switch = uow.triggers.switch(KILL_SWITCH)
    return bool(switch and switch.on)


def load_facts(
    uow: UnitOfWork, customer_ids: Iterable[int], as_of: datetime, *, with_outbox: bool = True
) -> dict[int, CustomerFacts]:
    """Snapshots of `customer_ids` as of `as_of` (call inside `with uow:`).

    `with_outbox=False` leaves out the outbox (sends, answers): a replay simulates its own.
    """
    ids = sorted(set(customer_ids))
    kill = kill_switch_on(uow)
    facts: dict[int, CustomerFacts] = {}
    for part in chunks(ids):
        facts.update(_load(uow, part, as_of, kill, with_outbox))
    return facts


def _load(
    uow: UnitOfWork, ids: list[int], as_of: datetime, kill: bool, with_outbox: bool
) -> dict[int, CustomerFacts]:
    session = uow.session
    people = session.execute(
        select(
            Customer.id,
            Customer.external_ref,
            Customer.name,
            Customer.country,
            Customer.time_zone,
            Customer.email,
            CommunicationPreferences.preferred_channel,
            CommunicationPreferences.quiet_hours_start,
            CommunicationPreferences.quiet_hours_end,
            CommunicationPreferences.max_proactive_per_week,
        )
        .outerjoin(CommunicationPreferences, CommunicationPreferences.customer_id == Customer.id)
        .where(Customer.id.in_(ids))
    ).all()
    consents = _consents(uow, ids, as_of)
    reachable = _reachable(uow, ids, as_of)
    complaints, handoffs = _cases(uow, ids, as_of)
    contacts, declined = _outbox(uow, ids, as_of) if with_outbox else ({}, {})
    out: dict[int, CustomerFacts] = {}
    for cid, ref, name, country, tz, email, preferred, quiet_start, quiet_end, per_week in people:
        channels = set(reachable.get(cid, ()))
        if email:
            channels.add(Channel.EMAIL)
        out[cid] = CustomerFacts(
            customer_id=cid,
            external_ref=ref,
            name=name,
            country=country,
            time_zone=tz,
            preferred_channel=preferred or DEFAULT_CHANNEL,
            quiet_hours=_span(quiet_start, quiet_end),
            max_per_week=DEFAULT_MAX_PER_WEEK if per_week is None else per_week,
            consents=frozenset(consents.get(cid, ())),
            reachable=frozenset(channels),
            contacts=tuple(contacts.get(cid, ())),
            declined=declined.get(cid, {}),
            complaint_open=cid in complaints,
            handoff_waiting=cid in handoffs,
            kill_switch=kill,
        )
    return out


def _span(start: time | None, end: time | None) -> Span | None:
    return Span(start, end) if start is not None and end is not None and start != end else None


def _consents(
    uow: UnitOfWork, ids: list[int], as_of: datetime
) -> dict[int, set[tuple[ConsentPurpose, Channel]]]:
    """Granted (purpose, channel) pairs: the newest decision recorded up to `as_of` wins."""
    rows = uow.session.execute(
        select(Consent.customer_id, Consent.purpose, Consent.channel, Consent.granted)
        .where(Consent.customer_id.in_(ids), Consent.recorded_at <= as_of)
        .order_by(Consent.customer_id, Consent.recorded_at, Consent.id)  # same instant: later insert wins
    )
    newest: dict[tuple[int, ConsentPurpose, Channel], bool] = {}
    for cid, purpose, channel, granted in rows:
        newest[(cid, purpose, channel)] = granted
    granted_pairs: dict[int, set[tuple[ConsentPurpose, Channel]]] = {}
    for (cid, purpose, channel), granted in newest.items():
        if granted:
            granted_pairs.setdefault(cid, set()).add((purpose, channel))
    return granted_pairs


def _reachable(uow: UnitOfWork, ids: list[int], as_of: datetime) -> dict[int, set[Channel]]:
    rows = uow.session.execute(
        select(ChannelIdentity.customer_id, ChannelIdentity.channel).where(
            ChannelIdentity.customer_id.in_(ids),
            ChannelIdentity.link_state == LinkState.LINKED,
            or_(ChannelIdentity.linked_at.is_(None), ChannelIdentity.linked_at <= as_of),
            or_(ChannelIdentity.unreachable_at.is_(None), ChannelIdentity.unreachable_at > as_of),
        )
    )
    reachable: dict[int, set[Channel]] = {}
    for cid, channel in rows:
        reachable.setdefault(cid, set()).add(channel)
    return reachable


def _cases(uow: UnitOfWork, ids: list[int], as_of: datetime) -> tuple[set[int], set[int]]:
    """Customers with a complaint open, and with a chat waiting for (or with) a person, at `as_of`."""
    still_open = or_(
        SupportCase.status.in_(ACTIVE_STATUSES),
        (SupportCase.closed_at.is_not(None)) & (SupportCase.closed_at > as_of),
    )
    rows = uow.session.execute(
        select(SupportCase.customer_id, SupportCase.kind).where(
            SupportCase.customer_id.in_(ids),
            SupportCase.kind.in_((CaseKind.COMPLAINT, CaseKind.HANDOFF)),
            SupportCase.opened_at <= as_of,
            still_open,
        )
    )
    complaints: set[int] = set()
    handoffs: set[int] = set()
    for cid, kind in rows:
        if cid is not None:
            # A handoff still open (or closed only after `as_of`) means a person is involved.
            (complaints if kind is CaseKind.COMPLAINT else handoffs).add(cid)
    return complaints, handoffs


def _outbox(
    uow: UnitOfWork, ids: list[int], as_of: datetime
) -> tuple[dict[int, list[Contact]], dict[int, dict[int, datetime]]]:
    since = as_of - LOOKBACK
    at = func.coalesce(OutboxMessage.sent_at, OutboxMessage.not_before)
    rows = uow.session.execute(
        select(
            OutboxMessage.customer_id,
            OutboxMessage.key,
            OutboxMessage.subject,
            OutboxMessage.trigger_id,
            OutboxMessage.category,
            OutboxMessage.state,
            OutboxMessage.sent_at,
            OutboxMessage.not_before,
            OutboxMessage.lease_until,
        ).where(OutboxMessage.customer_id.in_(ids), OutboxMessage.state.in_(LIVE_STATES), at >= since)
    )
    contacts: dict[int, list[Contact]] = {}
    for cid, key, subject, trigger_id, category, state, sent_at, not_before, _ in rows:
        if sent_at is not None:
            moment = aware(sent_at)
        elif state is OutboxState.SENDING:
            moment = as_of  # going out now, whenever it was due
        else:
            moment = min(aware(not_before), as_of)
        if state is OutboxState.SENT and sent_at is not None and aware(sent_at) > as_of:
            continue  # sent after the snapshot's instant
        contacts.setdefault(cid, []).append(
            Contact(
                key, subject, trigger_id, category, moment, state in (OutboxState.SENT, OutboxState.SENDING)
            )
        )
    answers = uow.session.execute(
        select(OutboxMessage.customer_id, OutboxMessage.trigger_id, func.max(OutboxMessage.answered_at))
        .where(
            OutboxMessage.customer_id.in_(ids),
            OutboxMessage.answer == ProactiveAnswer.DECLINED,
            OutboxMessage.trigger_id.is_not(None),
            OutboxMessage.answered_at <= as_of,
        )
        .group_by(OutboxMessage.customer_id, OutboxMessage.trigger_id)
    )
    declined: dict[int, dict[int, datetime]] = {}
    for cid, trigger_id, answered_at in answers:
        if answered_at is not None and trigger_id is not None:
            declined.setdefault(cid, {})[trigger_id] = aware(answered_at)
    return contacts, declined
