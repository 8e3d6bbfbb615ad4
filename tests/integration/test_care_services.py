"""Care services on SQLite and PostgreSQL: cases, reviews, identification, preferences, devices."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crm.models import (
    CaseKind,
    CaseStatus,
    Channel,
    ChannelIdentity,
    Consent,
    Customer,
    Device,
    LinkState,
    Product,
    ProductKind,
    Review,
    SupportCase,
)
from crm.services.cases import complaint_share, open_complaint, open_request, request_handoff
from crm.services.catalog import product_answer
from crm.services.customers import identify_customer
from crm.services.devices import book_service, service_status
from crm.services.errors import OrderNotFound
from crm.services.identity import account_overview, details_match, link_identity
from crm.services.preferences import (
    marketing_consent,
    message_less_often,
    preferences,
    set_marketing_consent,
    set_preferred_channel,
    set_quiet_hours,
)
from crm.services.reviews import record_review
from crm.uow import UnitOfWork
from tests.factories import T0, small_shop

NOW = T0 + timedelta(days=3)


def add_machine(engine: Engine, ref: str = "C90001", *, last_service: date | None = None) -> None:
    """A capsule machine (serviced yearly) bought 350 days before T0, with capsules and a service."""
    with Session(engine) as session:
        customer = session.scalars(select(Customer).where(Customer.external_ref == ref)).one()
        machine = Product(
            sku="CM-T",
            name="Barista Compact capsule coffee machine",
            category="coffee",
            kind=ProductKind.DEVICE,
            price=Decimal("99.00"),
            service_interval_days=365,
        )
        session.add(machine)
        session.flush()
        session.add_all([
            Product(sku="CAP-T", name="Barista espresso capsules, 50 pack", category="coffee",
                    kind=ProductKind.CONSUMABLE, price=Decimal("17.50"), use_up_days=25,
                    for_product_id=machine.id),
            Product(sku="SRV-T", name="Coffee machine annual service", category="coffee",
                    kind=ProductKind.SERVICE, price=Decimal("59.00")),
            Device(customer_id=customer.id, product_id=machine.id, serial="SN-1",
                   purchased_on=(T0 - timedelta(days=350)).date(), last_service_on=last_service,
                   warranty_ends_on=(T0 + timedelta(days=380)).date()),
        ])  # fmt: skip
        session.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")
    small_shop(engine)
    return engine


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork.for_engine(engine)


def customer_id(uow: UnitOfWork, sender: str) -> int:
    return identify_customer(uow, Channel.WEB, sender).id


def test_complaint_opens_a_numbered_case_about_the_latest_order(uow: UnitOfWork, engine: Engine) -> None:
    anna = customer_id(uow, "web-anna")

    case = open_complaint(uow, anna, "My parcel arrived damaged!", NOW)

    assert (case.number, case.kind, case.status, case.topic, case.order_number, case.reused) == (
        "CS-100001", CaseKind.COMPLAINT, CaseStatus.OPEN, "damaged item", "2000002", False,
    )  # fmt: skip


def test_second_complaint_about_the_same_order_joins_the_open_case(uow: UnitOfWork, engine: Engine) -> None:
    anna = customer_id(uow, "web-anna")
    first = open_complaint(uow, anna, "Order is late", NOW)

    again = open_complaint(uow, anna, "Still nothing!", NOW + timedelta(hours=1), "2000002")
    other = open_complaint(uow, anna, "The first one was broken", NOW, "2000001")

    assert (again.number, again.reused) == (first.number, True)
    assert (other.number, other.reused, other.order_number) == ("CS-100002", False, "2000001")
    with Session(engine) as session:
        description = session.scalars(
            select(SupportCase.description).where(SupportCase.number == first.number)
        )
        assert description.one().endswith("Still nothing!")
        assert session.scalar(select(func.count()).select_from(SupportCase)) == 2


def test_complaint_about_someone_elses_order_is_not_found(uow: UnitOfWork) -> None:
    with pytest.raises(OrderNotFound):
        open_complaint(uow, customer_id(uow, "web-anna"), "broken", NOW, "2000003")


def test_complaint_share_counts_customers_not_cases(uow: UnitOfWork) -> None:
    anna = customer_id(uow, "web-anna")
    open_complaint(uow, anna, "late", NOW, "2000001")
    open_complaint(uow, anna, "late", NOW, "2000002")
    open_request(uow, customer_id(uow, "web-ben"), "account deletion", "", NOW)  # not a complaint

    share = complaint_share(uow, NOW - timedelta(days=1), NOW + timedelta(days=1))
    before = complaint_share(uow, NOW - timedelta(days=9), NOW - timedelta(days=1))

    assert (share.complainants, share.customers) == (1, 3)
    assert share.share == pytest.approx(1 / 3)
    assert (before.complainants, before.share) == (0, 0.0)


def test_handoff_waits_for_an_agent_and_is_reused(uow: UnitOfWork, engine: Engine) -> None:
    anna = customer_id(uow, "web-anna")

    first = request_handoff(uow, anna, "web-anna", Channel.WEB, NOW, reason="a person please")
    again = request_handoff(uow, anna, "tg-77", Channel.TELEGRAM, NOW + timedelta(minutes=5))

    assert (first.kind, first.status, first.reused) == (CaseKind.HANDOFF, CaseStatus.WAITING_AGENT, False)
    assert (again.number, again.reused) == (first.number, True)
    with Session(engine) as session:
        case = session.scalars(select(SupportCase)).one()
        assert (case.conversation_id, case.channel) == ("tg-77", Channel.TELEGRAM)


def test_review_is_stored_against_the_latest_order(uow: UnitOfWork, engine: Engine) -> None:
    view = record_review(uow, customer_id(uow, "web-anna"), 2, " Arrived late. ", NOW)

    assert (view.rating, view.is_low, view.order_number) == (2, True, "2000002")
    with Session(engine) as session:
        review = session.scalars(select(Review)).one()
        assert (review.rating, review.text, review.created_at) == (2, "Arrived late.", NOW)


def test_order_and_email_must_belong_together(uow: UnitOfWork) -> None:
    assert details_match(uow, "#2000001", " C90001@Example.COM ")
    assert not details_match(uow, "2000001", "c90002@example.com")  # Ben's email, Anna's order
    assert not details_match(uow, "9999999", "c90001@example.com")


def test_linking_a_telegram_chat_identifies_it_from_then_on(uow: UnitOfWork) -> None:
    assert link_identity(uow, "2000003", "wrong@example.com", Channel.TELEGRAM, "tg-1", NOW) is None

    view = link_identity(uow, "2000003", "c90002@example.com", Channel.TELEGRAM, "tg-1", NOW)

    assert view is not None and view.first_name == "Ben"
    assert identify_customer(uow, Channel.TELEGRAM, "tg-1").external_ref == "C90002"


def test_a_pending_identity_becomes_linked(uow: UnitOfWork) -> None:
    link_identity(uow, "2000001", "c90001@example.com", Channel.WEB, "web-carla", NOW)

    assert identify_customer(uow, Channel.WEB, "web-carla").external_ref == "C90001"


def test_account_overview_masks_the_email(uow: UnitOfWork) -> None:
    view = account_overview(uow, customer_id(uow, "web-anna"))

    assert (view.first_name, view.masked_email, view.linked_channels) == (
        "Anna",
        "c…@example.com",
        (Channel.WEB,),
    )


def test_preferences_are_created_and_changed(uow: UnitOfWork) -> None:
    anna = customer_id(uow, "web-anna")

    telegram = set_preferred_channel(uow, anna, Channel.TELEGRAM)
    set_quiet_hours(uow, anna, time(22), time(7))
    halved = message_less_often(uow, anna)
    floor = message_less_often(uow, anna)

    assert (telegram.preferred_channel, telegram.channel_reachable) == (Channel.TELEGRAM, False)
    assert (halved.before, halved.after, floor.after, floor.changed) == (2, 1, 1, False)
    view = preferences(uow, anna)
    assert (view.quiet_hours_start, view.quiet_hours_end, view.max_proactive_per_week) == (
        time(22),
        time(7),
        1,
    )


def test_stopping_and_resuming_marketing_appends_consent_rows(uow: UnitOfWork, engine: Engine) -> None:
    anna = customer_id(uow, "web-anna")
    assert marketing_consent(uow, anna) == dict.fromkeys(Channel, False)

    set_marketing_consent(uow, anna, True, NOW)
    set_marketing_consent(uow, anna, False, NOW + timedelta(days=1))

    assert marketing_consent(uow, anna) == dict.fromkeys(Channel, False)
    set_marketing_consent(uow, anna, True, NOW + timedelta(days=2))
    assert marketing_consent(uow, anna) == dict.fromkeys(Channel, True)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Consent)) == 9


def test_service_due_date_counts_from_the_last_service(uow: UnitOfWork, engine: Engine) -> None:
    add_machine(engine, last_service=(T0 - timedelta(days=400)).date())

    (device,) = service_status(uow, customer_id(uow, "web-anna"))

    assert device.next_service_on == (T0 - timedelta(days=35)).date()
    assert device.days_until_service(T0.date()) == -35
    assert (device.service_name, device.service_price) == ("Coffee machine annual service", Decimal("59.00"))


def test_booking_a_service_opens_a_case_for_the_team(uow: UnitOfWork, engine: Engine) -> None:
    add_machine(engine)
    anna = customer_id(uow, "web-anna")

    case = book_service(uow, anna, "SN-1", NOW, "web-anna", Channel.WEB)

    assert (case.kind, case.status, case.topic) == (CaseKind.QUESTION, CaseStatus.OPEN, "service booking")


def test_catalogue_answers_what_fits_the_customers_device(uow: UnitOfWork, engine: Engine) -> None:
    add_machine(engine)

    personal = product_answer(uow, customer_id(uow, "web-anna"), "capsules")
    general = product_answer(uow, None, "Capsules")

    assert [s.device for s in personal.supplies] == ["Barista Compact capsule coffee machine"]
    assert [c.name for c in personal.supplies[0].consumables] == ["Barista espresso capsules, 50 pack"]
    assert personal.fits_own_device is True
    assert general.supplies == () and general.fits_own_device is None
    assert {m.name for m in general.matches} == {
        "Barista espresso capsules, 50 pack",
        "Espresso capsules, 50",
    }


def test_relinking_a_sender_moves_its_one_identity_row(uow: UnitOfWork, engine: Engine) -> None:
    link_identity(uow, "2000001", "c90001@example.com", Channel.WEB, "web-new", NOW)
    link_identity(uow, "2000003", "c90002@example.com", Channel.WEB, "web-new", NOW)

    with Session(engine) as session:
        rows = session.execute(
            select(Customer.external_ref, ChannelIdentity.link_state)
            .join(ChannelIdentity)
            .where(ChannelIdentity.external_id == "web-new")
        ).all()
    assert [tuple(row) for row in rows] == [("C90002", LinkState.LINKED)]
