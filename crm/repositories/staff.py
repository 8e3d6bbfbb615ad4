"""The console's tables: staff and their sessions, case events and ratings, the audit log, suppressions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from crm.models import (
    AuditEntry,
    Availability,
    CaseEvent,
    CaseKind,
    CaseStatus,
    ChatRating,
    StaffRole,
    StaffSession,
    StaffUser,
    SupportCase,
    Suppression,
)


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: StaffUser) -> None:
        self._session.add(user)
        self._session.flush()

    def by_email(self, email: str) -> StaffUser | None:
        return self._session.scalars(select(StaffUser).where(StaffUser.email == email)).one_or_none()

    def by_id(self, user_id: int) -> StaffUser | None:
        return self._session.get(StaffUser, user_id)

    def all(self) -> Sequence[StaffUser]:
        return self._session.scalars(select(StaffUser).order_by(StaffUser.email)).all()

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(StaffUser)) or 0

    def agents_on_duty(self) -> int | None:
        """Active agents (and admins) who set themselves available; None when the shop has no agents yet."""
        desk = (StaffRole.AGENT, StaffRole.ADMIN)
        staffed = self._session.scalar(
            select(func.count()).where(StaffUser.role.in_(desk), StaffUser.active.is_(True))
        )
        if not staffed:
            return None
        return (
            self._session.scalar(
                select(func.count()).where(
                    StaffUser.role.in_(desk),
                    StaffUser.active.is_(True),
                    StaffUser.availability == Availability.AVAILABLE,
                )
            )
            or 0
        )

    # --- sessions ------------------------------------------------------------------------------
    def add_session(self, row: StaffSession) -> None:
        self._session.add(row)

    def session_by_hash(self, id_hash: str) -> StaffSession | None:
        return self._session.get(StaffSession, id_hash)

    def drop_session(self, id_hash: str) -> None:
        self._session.execute(delete(StaffSession).where(StaffSession.id_hash == id_hash))

    def drop_sessions_of(self, user_id: int) -> None:
        self._session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))

    def drop_expired_sessions(self, now: datetime) -> None:
        self._session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))


class DeskRepository:
    """Handoffs as the agents' desk sees them: the queue, atomic takes, events and ratings."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def handoffs(self, statuses: Iterable[CaseStatus], limit: int = 200) -> Sequence[SupportCase]:
        return self._session.scalars(
            select(SupportCase)
            .where(SupportCase.kind == CaseKind.HANDOFF, SupportCase.status.in_(tuple(statuses)))
            .order_by(SupportCase.opened_at, SupportCase.id)
            .limit(limit)
        ).all()

    def claim(
        self, case_id: int, expected: CaseStatus, values: dict[str, object], taken_by: str | None = None
    ) -> bool:
        """Moves the case out of `expected` in one UPDATE; False when someone else moved it first.

        With `taken_by` the case must also still be that agent's: a transfer or close by a
        colleague who no longer has the chat changes nothing.
        """
        query = update(SupportCase).where(SupportCase.id == case_id, SupportCase.status == expected)
        if taken_by is not None:
            query = query.where(SupportCase.taken_by == taken_by)
        result = self._session.execute(query.values(**values).execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0) == 1)

    def add_event(self, event: CaseEvent) -> None:
        self._session.add(event)

    def events(self, case_id: int) -> Sequence[CaseEvent]:
        return self._session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)
        ).all()

    def last_event(self, case_id: int, kind: object) -> CaseEvent | None:
        return self._session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
            .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
            .limit(1)
        ).one_or_none()

    def rating_for(self, case_id: int) -> ChatRating | None:
        return self._session.scalars(select(ChatRating).where(ChatRating.case_id == case_id)).one_or_none()

    def add_rating(self, rating: ChatRating) -> None:
        self._session.add(rating)


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, entry: AuditEntry) -> None:
        self._session.add(entry)

    def recent(self, limit: int = 200, subject: str | None = None) -> Sequence[AuditEntry]:
        query = select(AuditEntry)
        if subject is not None:
            query = query.where(AuditEntry.subject == subject)
        return self._session.scalars(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        ).all()

    def about(self, subject: str) -> Sequence[AuditEntry]:
        return self._session.scalars(select(AuditEntry).where(AuditEntry.subject == subject)).all()

    def suppress(self, value_hash: str, kind: str, now: datetime) -> None:
        if self._session.get(Suppression, value_hash) is None:
            self._session.add(Suppression(value_hash=value_hash, kind=kind, created_at=now))

    def suppressed(self, hashes: Iterable[str]) -> set[str]:
        wanted = list(hashes)
        if not wanted:
            return set()
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # SQLite allows a limited number of parameters
            found.update(
                self._session.scalars(
                    select(Suppression.value_hash).where(
                        Suppression.value_hash.in_(wanted[start : start + 500])
                    )
                ).all()
            )
        return found
