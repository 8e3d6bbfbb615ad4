"""Support cases and reviews: what customers tell us."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.models import CaseEvent, CaseEventKind, CaseKind, CaseStatus, Review, SupportCase
from crm.models.staff import SYSTEM_ACTOR

CASE_PREFIX = "CS-"
# The demo shop and imports number from here; a fresh store starts here too.
FIRST_CASE_NUMBER = 100_001
# Statuses in which a case is still being worked on (a new message joins it).
ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.WAITING_AGENT, CaseStatus.WITH_AGENT)


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def next_number(self) -> str:
        """The number after the highest one issued so far ("CS-100001" on an empty store)."""
        highest = self._session.scalar(
            select(func.max(cast(func.substr(SupportCase.number, len(CASE_PREFIX) + 1), Integer))).where(
                SupportCase.number.like(f"{CASE_PREFIX}%")
            )
        )
        return f"{CASE_PREFIX}{max(FIRST_CASE_NUMBER, (highest or 0) + 1)}"

    def by_number(self, number: str) -> SupportCase | None:
        return self._session.scalars(select(SupportCase).where(SupportCase.number == number)).one_or_none()

    def active_for(
        self, customer_id: int, kind: CaseKind, order_id: int | None = None, product_id: int | None = None
    ) -> SupportCase | None:
        """The newest unfinished case of `kind` for this customer (and order and product, except handoffs)."""
        query = select(SupportCase).where(
            SupportCase.customer_id == customer_id,
            SupportCase.kind == kind,
            SupportCase.status.in_(ACTIVE_STATUSES),
        )
        if kind is not CaseKind.HANDOFF:
            query = query.where(
                SupportCase.order_id == order_id if order_id is not None else SupportCase.order_id.is_(None),
                SupportCase.product_id == product_id
                if product_id is not None
                else SupportCase.product_id.is_(None),
            )
        return self._session.scalars(query.order_by(SupportCase.opened_at.desc()).limit(1)).one_or_none()

    def active_of_customer(self, customer_id: int, limit: int = 10) -> Sequence[SupportCase]:
        return self._session.scalars(
            select(SupportCase)
            .where(SupportCase.customer_id == customer_id, SupportCase.status.in_(ACTIVE_STATUSES))
            .order_by(SupportCase.opened_at.desc(), SupportCase.id.desc())
            .limit(limit)
        ).all()

    def active_for_conversation(self, conversation_id: str, kind: CaseKind) -> SupportCase | None:
        """The newest unfinished case of `kind` opened from this conversation (visitors have no customer)."""
        return self._session.scalars(
            select(SupportCase)
            .where(
                SupportCase.conversation_id == conversation_id,
                SupportCase.kind == kind,
                SupportCase.status.in_(ACTIVE_STATUSES),
            )
            .order_by(SupportCase.opened_at.desc())
            .limit(1)
        ).one_or_none()

    def waiting_before(self, case: SupportCase) -> int:
        """Handoffs still waiting for a person that were queued before `case` (its place in line - 1)."""
        return (
            self._session.scalar(
                select(func.count()).where(
                    SupportCase.kind == CaseKind.HANDOFF,
                    SupportCase.status == CaseStatus.WAITING_AGENT,
                    (SupportCase.opened_at < case.opened_at)
                    | ((SupportCase.opened_at == case.opened_at) & (SupportCase.id < case.id)),
                )
            )
            or 0
        )

    def add_numbered(self, case: SupportCase, attempts: int = 3) -> None:
        """Adds `case` under the next free number.

        Two conversations can compute the same next number at once; the unique constraint
        refuses the second, which then retries with a fresh number inside a savepoint.
        """
        for attempt in range(attempts):
            case.number = self.next_number()
            try:
                with self._session.begin_nested():
                    self._session.add(case)
                    self._session.flush()
                return
            except IntegrityError:
                if attempt == attempts - 1:
                    raise

    def openings_until_first(
        self,
        start: datetime,
        end: datetime,
        events: Sequence[CaseEventKind],
        *,
        kind: CaseKind | None = None,
        by_person: bool = False,
    ) -> list[tuple[datetime, datetime | None]]:
        """Each case opened in [start, end) (of `kind`, if given; withdrawn ones left out): its
        opening and its first event of `events` (by a person, not the system, if `by_person`), or None."""
        which: list[ColumnElement[bool]] = [CaseEvent.kind.in_(events)]
        if by_person:
            which.append(CaseEvent.actor != SYSTEM_ACTOR)
        first = (
            select(CaseEvent.case_id, func.min(CaseEvent.at).label("at"))
            .where(*which)
            .group_by(CaseEvent.case_id)
        ).subquery()
        query = (
            select(SupportCase.opened_at, first.c.at)
            .outerjoin(first, first.c.case_id == SupportCase.id)
            .where(
                SupportCase.status != CaseStatus.WITHDRAWN,
                SupportCase.opened_at >= start,
                SupportCase.opened_at < end,
            )
        )
        if kind is not None:
            query = query.where(SupportCase.kind == kind)
        return [(opened, at) for opened, at in self._session.execute(query)]

    def customers_with_complaints(self, start: datetime, end: datetime) -> int:
        """Distinct customers who opened at least one complaint in [start, end)."""
        return (
            self._session.scalar(
                select(func.count(func.distinct(SupportCase.customer_id))).where(
                    SupportCase.kind == CaseKind.COMPLAINT,
                    SupportCase.opened_at >= start,
                    SupportCase.opened_at < end,
                )
            )
            or 0
        )


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, review: Review) -> None:
        self._session.add(review)
        self._session.flush()

    def by_id(self, review_id: int) -> Review | None:
        return self._session.get(Review, review_id)

    def delete(self, review: Review) -> None:
        self._session.delete(review)
