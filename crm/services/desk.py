"""The agents' desk: the queue of handoffs, taking one (atomically), notes, transfers, hand-backs, closes,
the customer's profile beside the chat, and the rating the customer gives afterwards.

The store is the truth for who has a chat. Talking to Rasa (pause, the agent's words, resume) is
the console's job once the store said yes, so two agents pressing "take" at once cannot both
pause, join and talk.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from crm.models import (
    CaseEvent,
    CaseEventKind,
    CaseKind,
    CaseStatus,
    Channel,
    ChatRating,
    ConsentPurpose,
    StaffRole,
)
from crm.models.staff import SYSTEM_ACTOR
from crm.services.cases import appended
from crm.services.devices import service_status
from crm.services.orders import recent_orders
from crm.services.preferences import preferences
from crm.uow import UnitOfWork


class DeskError(LookupError):
    """The case is not in the state the operation needs (someone else acted first, or it is gone)."""


@dataclass(frozen=True)
class QueueItem:
    number: str
    status: CaseStatus
    reason: str | None
    topic: str
    channel: str | None
    conversation_id: str | None
    customer_ref: str | None
    customer_name: str | None
    opened_at: datetime
    waiting_seconds: int
    taken_by: str | None


@dataclass(frozen=True)
class DeskCase:
    number: str
    case_id: int
    status: CaseStatus
    conversation_id: str | None
    channel: Channel | None
    customer_id: int | None
    taken_by: str | None

    @property
    def output_channel(self) -> str | None:
        """Rasa's name for the channel the customer waits on (their replies must go back there)."""
        return (
            {Channel.WEB: "socketio", Channel.TELEGRAM: "telegram"}.get(self.channel)
            if self.channel
            else None
        )


@dataclass
class CaseDetail:
    case: QueueItem
    description: str
    events: list[dict[str, Any]]
    customer: dict[str, Any] | None
    proactive: dict[str, Any] | None
    rating: int | None
    orders: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    open_cases: list[dict[str, Any]] = field(default_factory=list)


def queue(uow: UnitOfWork, now: datetime) -> list[QueueItem]:
    """Waiting chats oldest first, then the chats agents have."""
    with uow:
        cases = uow.desk.handoffs((CaseStatus.WAITING_AGENT, CaseStatus.WITH_AGENT))
        customers = {c.customer_id: uow.customers.by_id(c.customer_id) for c in cases if c.customer_id}
        items = [
            _item(case, customers.get(case.customer_id) if case.customer_id else None, now) for case in cases
        ]
    return sorted(items, key=lambda i: (i.status is not CaseStatus.WAITING_AGENT, i.opened_at))


def take(uow: UnitOfWork, number: str, agent: str, now: datetime) -> DeskCase:
    """The agent takes a waiting chat; exactly one of two agents who press at once succeeds."""
    return _move(
        uow,
        number,
        CaseStatus.WAITING_AGENT,
        {"status": CaseStatus.WITH_AGENT, "taken_at": now, "taken_by": agent[:80]},
        CaseEventKind.TAKEN,
        agent,
        "",
        now,
    )


def untake(uow: UnitOfWork, number: str, agent: str, now: datetime) -> DeskCase:
    """Puts a chat just taken back in the queue (the bot could not be paused)."""
    return _move(
        uow,
        number,
        CaseStatus.WITH_AGENT,
        {"status": CaseStatus.WAITING_AGENT, "taken_at": None, "taken_by": None},
        CaseEventKind.HANDED_BACK,
        agent,
        "Rasa unreachable: back in the queue",
        now,
        holder=agent,
    )


def transfer(uow: UnitOfWork, number: str, agent: str, to_agent: str, now: datetime) -> DeskCase:
    """Gives a chat the agent has to a colleague on the desk; the bot stays paused."""
    with uow:
        colleague = uow.staff.by_email(to_agent.strip().lower())
        if colleague is None or not colleague.active or colleague.role is StaffRole.MARKETER:
            raise DeskError(f"{to_agent} is not an agent")
        email = colleague.email
    return _move(
        uow,
        number,
        CaseStatus.WITH_AGENT,
        {"taken_by": email[:80], "taken_at": now},
        CaseEventKind.TRANSFERRED,
        agent,
        f"to {email}",
        now,
        holder=agent,
    )


def hand_back(uow: UnitOfWork, number: str, agent: str, now: datetime) -> DeskCase:
    """Back to the bot without closing: the case stays open and the customer can ask again."""
    return _move(
        uow,
        number,
        CaseStatus.WITH_AGENT,
        {"status": CaseStatus.OPEN, "taken_at": None, "taken_by": None},
        CaseEventKind.HANDED_BACK,
        agent,
        "",
        now,
        holder=agent,
    )


def close(uow: UnitOfWork, number: str, agent: str, now: datetime) -> DeskCase:
    return _move(
        uow,
        number,
        CaseStatus.WITH_AGENT,
        {"status": CaseStatus.CLOSED, "closed_at": now},
        CaseEventKind.CLOSED,
        agent,
        "",
        now,
        holder=agent,
    )


def record_reply(uow: UnitOfWork, number: str, agent: str, now: datetime) -> None:
    """Notes that `agent` wrote to the customer (for the first reply time; the words stay in Rasa)."""
    with uow:
        case = _handoff(uow, number)
        uow.desk.add_event(CaseEvent(case_id=case.id, kind=CaseEventKind.REPLIED, actor=agent, at=now))
        uow.commit()


def add_note(uow: UnitOfWork, number: str, author: str, text: str, now: datetime) -> None:
    text = text.strip()
    if not text:
        raise ValueError("an empty note")
    with uow:
        case = _handoff(uow, number)
        uow.desk.add_event(
            CaseEvent(case_id=case.id, kind=CaseEventKind.NOTE, actor=author, text=text[:4000], at=now)
        )
        uow.commit()


def record_rating(uow: UnitOfWork, number: str, rating: int, now: datetime) -> bool:
    """The customer's 1-5 rating of a closed chat; only the first one counts. True when stored."""
    if not 1 <= rating <= 5:
        raise ValueError(f"a rating is 1 to 5, not {rating}")
    with uow:
        case = uow.cases.by_number(number)
        if case is None or case.kind is not CaseKind.HANDOFF or case.status is not CaseStatus.CLOSED:
            return False
        if uow.desk.rating_for(case.id) is not None:
            return False
        closed = uow.desk.last_event(case.id, CaseEventKind.CLOSED)
        uow.desk.add_rating(
            ChatRating(
                case_id=case.id,
                customer_id=case.customer_id,
                agent=closed.actor if closed else case.taken_by,
                rating=rating,
                rated_at=now,
            )
        )
        uow.commit()
        return True


def request_callback(uow: UnitOfWork, number: str, now: datetime) -> str | None:
    """The waiting customer would rather be called back: noted on the case. Returns the phone we have."""
    with uow:
        case = uow.cases.by_number(number)
        if case is None or case.kind is not CaseKind.HANDOFF:
            return None
        case.description = appended(case.description, "The customer asked for a call back.", now)
        customer = uow.customers.by_id(case.customer_id) if case.customer_id else None
        phone = customer.phone if customer else None
        uow.commit()
        return phone


def unanswered_cases(uow: UnitOfWork, opened_before: datetime) -> list[tuple[str, str]]:
    """(number, conversation id) of chats waiting since before `opened_before` whose customer was
    not yet told so in this wait (a hand-back starts a new wait)."""
    with uow:
        due = []
        for case in uow.desk.handoffs((CaseStatus.WAITING_AGENT,)):
            if case.opened_at > opened_before or not case.conversation_id:
                continue
            told = uow.desk.last_event(case.id, CaseEventKind.UNANSWERED)
            back = uow.desk.last_event(case.id, CaseEventKind.HANDED_BACK)
            if told is None or (back is not None and back.at > told.at):
                due.append((case.number, case.conversation_id))
        return due


def mark_unanswered(uow: UnitOfWork, number: str, now: datetime) -> None:
    with uow:
        case = _handoff(uow, number)
        uow.desk.add_event(
            CaseEvent(case_id=case.id, kind=CaseEventKind.UNANSWERED, actor=SYSTEM_ACTOR, at=now)
        )
        uow.commit()


def desk_case(uow: UnitOfWork, number: str) -> DeskCase:
    with uow:
        return _desk(_handoff(uow, number))


def case_detail(uow: UnitOfWork, number: str, now: datetime) -> CaseDetail:
    """Everything an agent needs beside the transcript: the case, its events, the customer, the context."""
    with uow:
        case = _handoff(uow, number)
        customer = uow.customers.by_id(case.customer_id) if case.customer_id else None
        events = [
            {"kind": e.kind.value, "actor": e.actor, "text": e.text, "at": e.at.isoformat()}
            for e in uow.desk.events(case.id)
        ]
        rating = uow.desk.rating_for(case.id)
        proactive = _proactive(uow, case.conversation_id)
        detail = CaseDetail(
            _item(case, customer, now),
            case.description,
            events,
            None,
            proactive,
            rating.rating if rating else None,
        )
        if customer is None:
            return detail
        detail.customer = {
            "ref": customer.external_ref,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "country": customer.country,
            "city": customer.city,
            "time_zone": customer.time_zone,
            "language": customer.language,
            "since": customer.created_at.date().isoformat(),
        }
        customer_id = customer.id
        detail.open_cases = [
            {"number": c.number, "kind": c.kind.value, "topic": c.topic, "status": c.status.value}
            for c in uow.cases.active_of_customer(customer_id)
            if c.id != case.id
        ]
        detail.customer["consents"] = {
            purpose.value: {
                ch.value: granted for ch, granted in uow.consents.in_force(customer_id, purpose).items()
            }
            for purpose in ConsentPurpose
        }
    detail.orders = [
        {
            "number": o.number,
            "status": o.status.value,
            "placed": o.placed_at.date().isoformat(),
            "items": o.items_text(),
            "total": f"{o.total} {o.currency}",
        }
        for o in recent_orders(uow, customer_id, limit=10)
    ]
    detail.devices = [
        {
            "name": d.name,
            "serial": d.serial,
            "next_service_on": d.next_service_on.isoformat() if d.next_service_on else None,
            "warranty_ends_on": d.warranty_ends_on.isoformat(),
        }
        for d in service_status(uow, customer_id)
    ]
    prefs = preferences(uow, customer_id)
    detail.customer["preferences"] = {
        "preferred_channel": prefs.preferred_channel.value,
        "quiet_hours": (
            f"{prefs.quiet_hours_start:%H:%M}-{prefs.quiet_hours_end:%H:%M}"
            if prefs.quiet_hours_start and prefs.quiet_hours_end
            else None
        ),
        "max_proactive_per_week": prefs.max_proactive_per_week,
    }
    return detail


def as_dict(detail: CaseDetail) -> dict[str, Any]:
    data = asdict(detail)
    data["case"]["opened_at"] = detail.case.opened_at.isoformat()
    data["case"]["status"] = detail.case.status.value
    return data


def _proactive(uow: UnitOfWork, conversation_id: str | None) -> dict[str, Any] | None:
    """The message the shop sent first that this chat answers, and its outbox row when it has one."""
    if not conversation_id:
        return None
    row = uow.conversations.context(conversation_id)
    if row is None or not row.proactive:
        return None
    try:
        context: dict[str, Any] = json.loads(row.proactive)
    except ValueError:
        return None
    found: dict[str, Any] = {
        "context": context,
        "at": row.proactive_at.isoformat() if row.proactive_at else None,
    }
    key = context.get("key")
    outbox = uow.outbox.by_key(str(key)) if key else None
    if outbox is not None:
        found["outbox"] = {
            "key": outbox.key,
            "trigger_id": outbox.trigger_id,
            "state": outbox.state.value,
            "channel": outbox.channel.value if outbox.channel else None,
            "sent_at": outbox.sent_at.isoformat() if outbox.sent_at else None,
            "answer": outbox.answer.value if outbox.answer else None,
        }
    return found


def _move(
    uow: UnitOfWork,
    number: str,
    expected: CaseStatus,
    values: dict[str, object],
    kind: CaseEventKind,
    actor: str,
    text: str,
    now: datetime,
    *,
    holder: str | None = None,
) -> DeskCase:
    with uow:
        case = _handoff(uow, number)
        if not uow.desk.claim(case.id, expected, values, taken_by=holder[:80] if holder else None):
            raise DeskError(f"case {number} is no longer {expected.value.replace('_', ' ')}")
        uow.desk.add_event(CaseEvent(case_id=case.id, kind=kind, actor=actor, text=text, at=now))
        uow.commit()
        uow.refresh(case)
        return _desk(case)


def _handoff(uow: UnitOfWork, number: str) -> Any:
    case = uow.cases.by_number(number)
    if case is None or case.kind is not CaseKind.HANDOFF:
        raise DeskError(f"no chat case {number}")
    return case


def _desk(case: Any) -> DeskCase:
    return DeskCase(
        case.number, case.id, case.status, case.conversation_id, case.channel, case.customer_id, case.taken_by
    )


def _item(case: Any, customer: Any, now: datetime) -> QueueItem:
    return QueueItem(
        number=case.number,
        status=case.status,
        reason=case.reason.value if case.reason else None,
        topic=case.topic,
        channel=case.channel.value if case.channel else None,
        conversation_id=case.conversation_id,
        customer_ref=customer.external_ref if customer else None,
        customer_name=customer.name if customer else None,
        opened_at=case.opened_at,
        waiting_seconds=max(0, int((now - case.opened_at).total_seconds())),
        taken_by=case.taken_by,
    )
