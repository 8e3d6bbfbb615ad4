"""Unit of work: the one place that opens sessions. Services receive it; nobody else touches a session."""

from __future__ import annotations

import contextlib
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crm.db import StoreUnavailable, session_factory
from crm.repositories import (
    AuditRepository,
    CaseRepository,
    ConsentRepository,
    ConversationRepository,
    CustomerRepository,
    DeskRepository,
    DeviceRepository,
    MarketingRepository,
    OrderRepository,
    OutboxRepository,
    PersonalDataRepository,
    PreferenceRepository,
    ProductRepository,
    ReviewRepository,
    StaffRepository,
    StatsRepository,
    TriggerRepository,
)


class UnitOfWork:
    """One transaction with the store; rolled back unless `commit()` is called.

    A database that is down or locked surfaces as `StoreUnavailable`, so callers handle one
    error type whatever the backend.
    """

    session: Session
    customers: CustomerRepository
    orders: OrderRepository
    cases: CaseRepository
    reviews: ReviewRepository
    devices: DeviceRepository
    products: ProductRepository
    preferences: PreferenceRepository
    consents: ConsentRepository
    conversations: ConversationRepository
    stats: StatsRepository
    triggers: TriggerRepository
    outbox: OutboxRepository
    staff: StaffRepository
    desk: DeskRepository
    audit: AuditRepository
    personal_data: PersonalDataRepository
    marketing: MarketingRepository

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def for_engine(cls, engine: Engine) -> UnitOfWork:
        return cls(session_factory(engine))

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.customers = CustomerRepository(self.session)
        self.orders = OrderRepository(self.session)
        self.cases = CaseRepository(self.session)
        self.reviews = ReviewRepository(self.session)
        self.devices = DeviceRepository(self.session)
        self.products = ProductRepository(self.session)
        self.preferences = PreferenceRepository(self.session)
        self.consents = ConsentRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.stats = StatsRepository(self.session)
        self.triggers = TriggerRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.staff = StaffRepository(self.session)
        self.desk = DeskRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.personal_data = PersonalDataRepository(self.session)
        self.marketing = MarketingRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # If the connection is already gone, the original error matters more than this one.
        with contextlib.suppress(DBAPIError):
            self.session.rollback()
        self.session.close()
        if isinstance(exc, OperationalError):
            raise StoreUnavailable(f"the customer store is unavailable: {exc.orig}") from exc

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        """Sends pending changes (new rows get their ids) without ending the transaction."""
        self.session.flush()

    def refresh(self, row: object) -> None:
        """Reads `row` again (after an UPDATE that went around it)."""
        self.session.refresh(row)
