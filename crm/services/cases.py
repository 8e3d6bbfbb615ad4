"""Support cases: complaints, requests for a person, and the complaint metric."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from crm.models import CaseKind, CaseStatus, Channel, Order, SupportCase
from crm.repositories.cases import CaseRepository
from crm.services.errors import OrderNotFound
from crm.uow import UnitOfWork

# Repositories are built from `uow.session` here; the lead may move them onto UnitOfWork later.

# First matching keyword decides the topic; "refund" comes before "late" so a delayed refund
# is not filed as a late parcel.
TOPIC_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("refund delay", ("refund", "money back")),
    ("damaged item", ("damaged", "broken", "dented", "cracked", "smashed")),
    ("wrong item", ("wrong item", "wrong product", "not what i ordered", "wrong colour", "wrong size")),
    ("late delivery", ("late", "not arrived", "hasn't arrived", "hasnt arrived", "still waiting", "delayed")),
    ("product not as expected", ("doesn't work", "does not work", "not working", "faulty", "defect")),
    ("customer service", ("rude", "nobody answered", "no answer", "support")),
)
GENERAL_TOPIC = "general complaint"

# When people answer handoffs: weekday -> (opens, closes), in the support team's time zone.
SUPPORT_TIME_ZONE = ZoneInfo("Europe/London")
SUPPORT_HOURS: dict[int, tuple[time, time]] = {
    0: (time(8), time(20)),
    1: (time(8), time(20)),
    2: (time(8), time(20)),
    3: (time(8), time(20)),
    4: (time(8), time(20)),
    5: (time(9), time(17)),
}
TYPICAL_REPLY_MINUTES = 10


@dataclass(frozen=True)
class CaseView:
    number: str
    kind: CaseKind
    status: CaseStatus
    topic: str
    order_number: str | None
    # True when the message was added to a case that was already open.
    reused: bool


@dataclass(frozen=True)
class SupportWait:
    open_now: bool
    # The next time the team starts answering, in the team's zone; None while open.
    next_opening: datetime | None
    typical_reply_minutes: int = TYPICAL_REPLY_MINUTES


@dataclass(frozen=True)
class ComplaintShare:
    complainants: int
    customers: int

    @property
    def share(self) -> float:
        return self.complainants / self.customers if self.customers else 0.0


def topic_of(text: str) -> str:
    lowered = text.lower()
    for topic, keywords in TOPIC_KEYWORDS:
        if any(keyword in lowered for keyword in keywords):
            return topic
    return GENERAL_TOPIC


def open_complaint(
    uow: UnitOfWork, customer_id: int, text: str, now: datetime, order_number: str | None = None
) -> CaseView:
    """Files a complaint about the named order (or the latest one), one open case per order.

    A second complaint about an order whose complaint is still open joins that case.
    Raises `OrderNotFound` for an order number that is not this customer's.
    """
    with uow:
        cases = CaseRepository(uow.session)
        order = _order_for(uow, customer_id, order_number)
        order_id = order.id if order else None
        case = cases.active_for(customer_id, CaseKind.COMPLAINT, order_id)
        reused = case is not None
        if case is not None:
            case.description = _appended(case.description, text, now)
        else:
            case = SupportCase(
                customer_id=customer_id,
                order_id=order_id,
                kind=CaseKind.COMPLAINT,
                topic=topic_of(text),
                description=text,
                status=CaseStatus.OPEN,
                opened_at=now,
            )
            cases.add_numbered(case)
        view = _view(case, order.number if order else None, reused)
        uow.commit()
        return view


def request_handoff(
    uow: UnitOfWork,
    customer_id: int | None,
    conversation_id: str,
    channel: Channel,
    now: datetime,
    reason: str = "",
) -> CaseView:
    """Queues the conversation for a person: one waiting case per customer (per chat for a visitor)."""
    with uow:
        cases = CaseRepository(uow.session)
        if customer_id is None:
            case = cases.active_for_conversation(conversation_id, CaseKind.HANDOFF)
        else:
            case = cases.active_for(customer_id, CaseKind.HANDOFF)
        reused = case is not None
        if case is not None:
            # The customer may have moved to another channel: agents answer where they are now.
            case.status = CaseStatus.WAITING_AGENT
            case.conversation_id = conversation_id
            case.channel = channel
            if reason:
                case.description = _appended(case.description, reason, now)
        else:
            case = SupportCase(
                customer_id=customer_id,
                kind=CaseKind.HANDOFF,
                topic="asked for a person",
                description=reason,
                status=CaseStatus.WAITING_AGENT,
                opened_at=now,
                conversation_id=conversation_id,
                channel=channel,
            )
            cases.add_numbered(case)
        view = _view(case, None, reused)
        uow.commit()
        return view


def open_request(
    uow: UnitOfWork,
    customer_id: int,
    topic: str,
    description: str,
    now: datetime,
    conversation_id: str | None = None,
    channel: Channel | None = None,
) -> CaseView:
    """A task for the team that needs no live chat (account deletion, a service visit)."""
    with uow:
        cases = CaseRepository(uow.session)
        case = SupportCase(
            customer_id=customer_id,
            kind=CaseKind.QUESTION,
            topic=topic[:80],
            description=description,
            status=CaseStatus.OPEN,
            opened_at=now,
            conversation_id=conversation_id,
            channel=channel,
        )
        cases.add_numbered(case)
        view = _view(case, None, reused=False)
        uow.commit()
        return view


def complaint_share(uow: UnitOfWork, start: datetime, end: datetime) -> ComplaintShare:
    """Customers who complained in [start, end) over all customers known by `end`."""
    with uow:
        complainants = CaseRepository(uow.session).customers_with_complaints(start, end)
        return ComplaintShare(complainants=complainants, customers=uow.customers.count_created_before(end))


def support_wait(now: datetime) -> SupportWait:
    """Whether a person answers now, and if not, when the team is next in."""
    local = now.astimezone(SUPPORT_TIME_ZONE)
    hours = SUPPORT_HOURS.get(local.weekday())
    if hours and hours[0] <= local.time() < hours[1]:
        return SupportWait(open_now=True, next_opening=None)
    for days_ahead in range(8):
        day = local.date() + timedelta(days=days_ahead)
        hours = SUPPORT_HOURS.get(day.weekday())
        if hours is None:
            continue
        opening = datetime.combine(day, hours[0], tzinfo=SUPPORT_TIME_ZONE)
        if opening > local:
            return SupportWait(open_now=False, next_opening=opening)
    raise AssertionError("SUPPORT_HOURS has no opening in a week")  # pragma: no cover


def _order_for(uow: UnitOfWork, customer_id: int, order_number: str | None) -> Order | None:
    if order_number is None:
        return uow.orders.latest_for(customer_id)
    order = uow.orders.by_number_for(customer_id, order_number.strip().lstrip("#"))
    if order is None:
        raise OrderNotFound(order_number)
    return order


def _appended(description: str, text: str, now: datetime) -> str:
    entry = f"[{now.isoformat(timespec='minutes')}] {text}"
    return f"{description}\n\n{entry}" if description else entry


def _view(case: SupportCase, order_number: str | None, reused: bool) -> CaseView:
    return CaseView(
        number=case.number,
        kind=case.kind,
        status=case.status,
        topic=case.topic,
        order_number=order_number,
        reused=reused,
    )
