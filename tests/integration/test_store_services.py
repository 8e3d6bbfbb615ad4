"""The services that actions call: who is writing, and where their order is."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import Channel, Customer, OrderStatus
from crm.services.customers import identify_customer
from crm.services.errors import OrderNotFound, UnknownCustomer
from crm.services.orders import order_status
from crm.uow import UnitOfWork
from tests.factories import T0, add_customer, small_shop


@pytest.fixture(params=["sqlite", "postgresql"])
def uow(request: pytest.FixtureRequest) -> UnitOfWork:
    engine: Engine = request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")
    small_shop(engine)
    return UnitOfWork.for_engine(engine)


def test_linked_web_identity_identifies_the_customer(uow: UnitOfWork) -> None:
    customer = identify_customer(uow, Channel.WEB, "web-anna")

    assert (customer.external_ref, customer.first_name, customer.time_zone) == (
        "C90001",
        "Anna",
        "Europe/Berlin",
    )


@pytest.mark.parametrize(
    ("channel", "sender"),
    [(Channel.WEB, "web-nobody"), (Channel.WEB, "web-carla"), (Channel.TELEGRAM, "web-anna")],
    ids=["unknown", "pending-link", "other-channel"],
)
def test_unlinked_senders_are_unknown(uow: UnitOfWork, channel: Channel, sender: str) -> None:
    with pytest.raises(UnknownCustomer):
        identify_customer(uow, channel, sender)


def test_latest_order_is_reported_with_its_lines_and_total(uow: UnitOfWork) -> None:
    anna = identify_customer(uow, Channel.WEB, "web-anna")

    view = order_status(uow, anna.id)

    assert (view.number, view.status, view.carrier, view.tracking_number) == (
        "2000002",
        OrderStatus.SHIPPED,
        "DHL",
        "JD2000002",
    )
    assert view.items == ("3 x Espresso capsules, 50",)
    assert view.total == Decimal("52.50")
    assert view.placed_at == T0


def test_a_named_order_is_found_with_or_without_hash(uow: UnitOfWork) -> None:
    anna = identify_customer(uow, Channel.WEB, "web-anna")

    assert order_status(uow, anna.id, "#2000001").status is OrderStatus.DELIVERED


def test_someone_elses_order_is_not_found(uow: UnitOfWork) -> None:
    anna = identify_customer(uow, Channel.WEB, "web-anna")

    with pytest.raises(OrderNotFound):
        order_status(uow, anna.id, "2000003")  # Ben's


def test_timestamps_come_back_timezone_aware_in_utc(store: Engine) -> None:
    with Session(store) as session:
        add_customer(session, "C1", "Tz Test")
        session.commit()
        created = session.scalars(select(Customer.created_at)).one()

    assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_naive_timestamps_are_refused(store: Engine) -> None:
    with Session(store) as session:
        session.add(
            Customer(
                external_ref="C2", name="Naive", time_zone="UTC", language="en", country="X",
                created_at=datetime(2026, 1, 1),
            )
        )  # fmt: skip
        with pytest.raises(Exception, match="naive datetime"):
            session.flush()


def test_created_at_round_trips_exact_instant(store: Engine) -> None:
    moment = datetime(2026, 7, 1, 23, 59, 58, tzinfo=UTC)
    with Session(store) as session:
        session.add(
            Customer(
                external_ref="C3",
                name="Round Trip",
                time_zone="UTC",
                language="en",
                country="X",
                created_at=moment,
            )
        )
        session.commit()
    with Session(store) as session:
        assert (
            session.scalars(select(Customer.created_at).where(Customer.external_ref == "C3")).one() == moment
        )
