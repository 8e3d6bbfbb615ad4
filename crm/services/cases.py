"""Support cases the team works from: complaints, returns, lost parcels, billing, requests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from crm.models import CaseKind, CaseStatus, Channel, Order, SupportCase
from crm.services.errors import OrderNotFound
from crm.services.orders import normalise_number
from crm.uow import UnitOfWork

# First matching keyword decides a complaint's topic; "refund" comes before "late" so a delayed
# refund is not filed as a late parcel. A keyword matches at the start of a word ("late" is not
# in "chocolate", "rattl" is in "rattles").
LATE_TOPIC = "late delivery"
SERVICE_TOPIC = "customer service"
TOPIC_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("refund delay", ("refund", "money back")),
    (
        "damaged item",
        ("damaged", "broken", "dented", "cracked", "smashed", "crushed", "leaking", "leaks", "squashed"),
    ),
    ("wrong item", ("wrong item", "wrong product", "not what i ordered", "wrong colour", "wrong size")),
    ("missing item", ("missing", "not in the box", "wasn't in", "wasnt in", "only got")),
    (LATE_TOPIC, ("late", "not arrived", "hasn't arrived", "hasnt arrived", "still waiting", "delayed")),
    (
        "product not as expected",
        (
            "doesn't work",
            "does not work",
            "not working",
            "doesnt work",
            "faulty",
            "defect",
            "stopped working",
            "properly",
            "suction",
        ),
    ),
    (
        "product fault",
        (
            "noise",
            "noisy",
            "grinding",
            "rattl",
            "squeak",
            "beep",
            "vibrat",
            "overheat",
            "smell",
            "burning",
            "error",
            "won't turn on",
            "wont turn on",
            "doesn't turn on",
            "doesnt turn on",
            "won't start",
            "wont start",
            "keeps turning off",
            "switches off",
        ),
    ),
    (SERVICE_TOPIC, ("rude", "nobody answered", "no answer", "support", "service")),
)
GENERAL_TOPIC = "general complaint"
_TOPIC_PATTERNS = tuple(
    (topic, re.compile(r"\b(?:" + "|".join(re.escape(k) for k in keywords) + ")"))
    for topic, keywords in TOPIC_KEYWORDS
)
# Kinds where a second message about the same order (and product) joins the open case.
_ONE_OPEN_PER_ORDER = (CaseKind.COMPLAINT, CaseKind.RETURN, CaseKind.DELIVERY, CaseKind.BILLING)
DESCRIPTION_APPEND_LIMIT = 20_000


@dataclass(frozen=True)
class CaseView:
    number: str
    kind: CaseKind
    status: CaseStatus
    topic: str
    order_number: str | None
    product_name: str | None
    # True when the message was added to a case that was already open.
    reused: bool


@dataclass(frozen=True)
class ComplaintShare:
    complainants: int
    customers: int

    @property
    def share(self) -> float:
        return self.complainants / self.customers if self.customers else 0.0


def topic_of(text: str) -> str:
    lowered = text.lower()
    for topic, pattern in _TOPIC_PATTERNS:
        if pattern.search(lowered):
            return topic
    return GENERAL_TOPIC


def open_case(
    uow: UnitOfWork,
    customer_id: int,
    kind: CaseKind,
    topic: str,
    description: str,
    now: datetime,
    *,
    order_number: str | None = None,
    product_id: int | None = None,
    conversation_id: str | None = None,
    channel: Channel | None = None,
) -> CaseView:
    """Opens a case about the customer's order (and product), or adds to the open one.

    Complaints, returns, lost parcels and billing questions keep one open case per order and
    product: a second message joins it instead of opening a duplicate. Raises `OrderNotFound`
    for an order number that is not this customer's.
    """
    with uow:
        order = _order_for(uow, customer_id, order_number)
        case = None
        if kind in _ONE_OPEN_PER_ORDER:
            case = uow.cases.active_for(customer_id, kind, order.id if order else None, product_id)
        reused = case is not None
        if case is not None:
            case.description = appended(case.description, description, now)
        else:
            case = SupportCase(
                customer_id=customer_id,
                order_id=order.id if order else None,
                product_id=product_id,
                kind=kind,
                topic=topic[:80],
                description=description,
                status=CaseStatus.OPEN,
                opened_at=now,
                conversation_id=conversation_id,
                channel=channel,
            )
            uow.cases.add_numbered(case)
        view = case_view(uow, case, reused)
        uow.commit()
        return view


def withdraw_case(
    uow: UnitOfWork, customer_id: int, number: str, now: datetime, note: str
) -> CaseView | None:
    """Takes back an open case the customer opened (an undo); None if it is no longer open."""
    with uow:
        case = uow.cases.by_number(number)
        if case is None or case.customer_id != customer_id or case.status is not CaseStatus.OPEN:
            return None
        case.status = CaseStatus.WITHDRAWN
        case.closed_at = now
        case.description = appended(case.description, note, now)
        view = case_view(uow, case, reused=False)
        uow.commit()
        return view


def open_cases(uow: UnitOfWork, customer_id: int) -> tuple[CaseView, ...]:
    """The customer's cases that are still being worked on, newest first."""
    with uow:
        return tuple(case_view(uow, case, reused=False) for case in uow.cases.active_of_customer(customer_id))


def complaint_share(uow: UnitOfWork, start: datetime, end: datetime) -> ComplaintShare:
    """Customers who complained in [start, end) over all customers known by `end`."""
    with uow:
        complainants = uow.cases.customers_with_complaints(start, end)
        return ComplaintShare(complainants=complainants, customers=uow.customers.count_created_before(end))


def appended(description: str, text: str, now: datetime) -> str:
    entry = f"[{now.isoformat(timespec='minutes')}] {text}"
    combined = f"{description}\n\n{entry}" if description else entry
    return combined[-DESCRIPTION_APPEND_LIMIT:]


def case_view(uow: UnitOfWork, case: SupportCase, reused: bool) -> CaseView:
    order = uow.session.get(Order, case.order_id) if case.order_id else None
    product = uow.products.by_id(case.product_id) if case.product_id else None
    return CaseView(
        number=case.number,
        kind=case.kind,
        status=case.status,
        topic=case.topic,
        order_number=order.number if order else None,
        product_name=product.name if product else None,
        reused=reused,
    )


def _order_for(uow: UnitOfWork, customer_id: int, order_number: str | None) -> Order | None:
    if order_number is None:
        return None
    order = uow.orders.by_number_for(customer_id, normalise_number(order_number))
    if order is None:
        raise OrderNotFound(order_number)
    return order
