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
    Consent,
    Customer,
    Device,
    HandoffReason,
    Product,
    ProductKind,
    Review,
    SupportCase,
)
from crm.services.cases import complaint_share, open_case, topic_of, withdraw_case
from crm.services.catalog import match_products, supplies_for_customer
from crm.services.customers import identify_customer
from crm.services.devices import book_service, service_status
from crm.services.errors import OrderNotFound
from crm.services.handoff import (
    CaseNotWaiting,
    queue_status,
    release_case,
    request_handoff,
    take_case,
    withdraw_handoff,
)
from crm.services.identity import MAX_FAILURES, IdentificationOutcome, account_overview, identify_by_order
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
        session.add_all(
            [
                Product(
                    sku="CAP-T",
                    name="Barista espresso capsules, 50 pack",
                    category="coffee",
                    kind=ProductKind.CONSUMABLE,
                    price=Decimal("17.50"),
                    use_up_days=25,
                    for_product_id=machine.id,
                ),
                Product(
                    sku="SRV-T",
                    name="Coffee machine annual service",
                    category="coffee",
                    kind=ProductKind.SERVICE,
                    price=Decimal("59.00"),
                ),
                Device(
                    customer_id=customer.id,
                    product_id=machine.id,
                    serial="SN-1",
                    purchased_on=(T0 - timedelta(days=350)).date(),
                    last_service_on=last_service,
                    warranty_ends_on=(T0 + timedelta(days=380)).date(),
                ),
            ]
        )
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


def product_id(engine: Engine, sku: str) -> int:
    with Session(engine) as session:
        return session.scalars(select(Product.id).where(Product.sku == sku)).one()


def test_a_complaint_opens_a_numbered_case_about_the_order_and_product_named(
    uow: UnitOfWork, engine: Engine
) -> None:
    anna = customer_id(uow, "web-anna")
    capsules = product_id(engine, "CAP-50")

    case = open_case(
        uow,
        anna,
        CaseKind.COMPLAINT,
        topic_of("My capsules arrived crushed!"),
        "My capsules arrived crushed!",
        NOW,
        order_number="2000002",
        product_id=capsules,
    )

    assert (
        case.number,
        case.kind,
        case.status,
        case.topic,
        case.order_number,
        case.product_name,
        case.reused,
    ) == (
        "CS-100001",
        CaseKind.COMPLAINT,
        CaseStatus.OPEN,
        "damaged item",
        "2000002",
        "Espresso capsules, 50",
        False,
    )


def test_a_second_complaint_about_the_same_order_joins_the_open_case(uow: UnitOfWork, engine: Engine) -> None:
    anna = customer_id(uow, "web-anna")
    first = open_case(
        uow, anna, CaseKind.COMPLAINT, "late delivery", "Order is late", NOW, order_number="2000002"
    )

    again = open_case(
        uow, anna, CaseKind.COMPLAINT, "late delivery", "Still nothing!", NOW, order_number="2000002"
    )
    other = open_case(uow, anna, CaseKind.COMPLAINT, "damaged item", "broken", NOW, order_number="2000001")

    assert (again.number, again.reused) == (first.number, True)
    assert (other.number, other.reused, other.order_number) == ("CS-100002", False, "2000001")
    with Session(engine) as session:
        description = session.scalars(
            select(SupportCase.description).where(SupportCase.number == first.number)
        )
        assert description.one().endswith("Still nothing!")
        assert session.scalar(select(func.count()).select_from(SupportCase)) == 2


def test_a_case_about_someone_elses_order_is_not_found(uow: UnitOfWork) -> None:
    with pytest.raises(OrderNotFound):
        open_case(
            uow, customer_id(uow, "web-anna"), CaseKind.RETURN, "return", "", NOW, order_number="2000003"
        )


def test_a_withdrawn_case_is_closed_and_only_its_customer_can_withdraw_it(uow: UnitOfWork) -> None:
    anna, ben = customer_id(uow, "web-anna"), customer_id(uow, "web-ben")
    case = open_case(uow, anna, CaseKind.RETURN, "return: changed my mind", "", NOW, order_number="2000001")

    assert withdraw_case(uow, ben, case.number, NOW, "undo") is None
    withdrawn = withdraw_case(uow, anna, case.number, NOW, "undo")

    assert withdrawn is not None and withdrawn.status is CaseStatus.WITHDRAWN
    assert withdraw_case(uow, anna, case.number, NOW, "again") is None


def test_complaint_share_counts_customers_not_cases(uow: UnitOfWork) -> None:
    anna = customer_id(uow, "web-anna")
    open_case(uow, anna, CaseKind.COMPLAINT, "late", "late", NOW, order_number="2000001")
    open_case(uow, anna, CaseKind.COMPLAINT, "late", "late", NOW, order_number="2000002")
    open_case(
        uow, customer_id(uow, "web-ben"), CaseKind.QUESTION, "account deletion", "", NOW
    )  # not a complaint

    share = complaint_share(uow, NOW - timedelta(days=1), NOW + timedelta(days=1))
    before = complaint_share(uow, NOW - timedelta(days=9), NOW - timedelta(days=1))

    assert (share.complainants, share.customers) == (1, 3)
    assert share.share == pytest.approx(1 / 3)
    assert (before.complainants, before.share) == (0, 0.0)


def test_a_review_is_stored_against_the_product_named(uow: UnitOfWork, engine: Engine) -> None:
    view = record_review(
        uow,
        customer_id(uow, "web-anna"),
        2,
        " Arrived late. ",
        NOW,
        order_number="2000002",
        product_id=product_id(engine, "CAP-50"),
    )

    assert (view.rating, view.is_low, view.order_number, view.product_name) == (
        2,
        True,
        "2000002",
        "Espresso capsules, 50",
    )
    with Session(engine) as session:
        review = session.scalars(select(Review)).one()
        assert (review.rating, review.text, review.created_at) == (2, "Arrived late.", NOW)


def test_order_and_email_identify_that_order_only_as_a_pair(uow: UnitOfWork) -> None:
    matched = identify_by_order(uow, "#2000001", " C90001@Example.COM ", "client-1", NOW)
    wrong_pair = identify_by_order(uow, "2000001", "c90002@example.com", "client-1", NOW)  # Ben's email
    no_order = identify_by_order(uow, "9999999", "c90001@example.com", "client-1", NOW)

    assert (matched.outcome, matched.order_number) == (IdentificationOutcome.MATCHED, "2000001")
    assert matched.customer is not None and matched.customer.first_name == "Anna"
    assert wrong_pair.outcome is no_order.outcome is IdentificationOutcome.NO_MATCH


def test_identification_attempts_are_limited_across_conversations(uow: UnitOfWork) -> None:
    for attempt in range(MAX_FAILURES):
        identify_by_order(uow, "2000001", f"guess{attempt}@example.com", f"conversation-{attempt}", NOW)

    blocked = identify_by_order(uow, "2000001", "c90001@example.com", "fresh-conversation", NOW)
    later = identify_by_order(
        uow, "2000001", "c90001@example.com", "fresh-conversation", NOW + timedelta(hours=2)
    )

    assert blocked.outcome is IdentificationOutcome.TOO_MANY_ATTEMPTS  # the order number is locked
    assert later.outcome is IdentificationOutcome.MATCHED


def test_old_system_order_numbers_are_explained(uow: UnitOfWork) -> None:
    result = identify_by_order(uow, "536365", "someone@example.com", "client-2", NOW)

    assert result.outcome is IdentificationOutcome.NO_EMAIL_ON_FILE


def test_handoff_waits_in_line_and_one_conversation_keeps_one_case(uow: UnitOfWork, engine: Engine) -> None:
    anna, ben = customer_id(uow, "web-anna"), customer_id(uow, "web-ben")

    first = request_handoff(uow, anna, "web:anna", Channel.WEB, NOW, reason=HandoffReason.CUSTOMER_ASKED)
    again = request_handoff(
        uow, anna, "tg:77", Channel.TELEGRAM, NOW + timedelta(minutes=5), reason=HandoffReason.CUSTOMER_ASKED
    )
    second_in_line = request_handoff(uow, ben, "web:ben", Channel.WEB, NOW, reason=HandoffReason.COMPLAINT)

    assert (first.status, first.reused, first.position) == (CaseStatus.WAITING_AGENT, False, 1)
    assert (again.case_number, again.reused) == (first.case_number, True)
    assert second_in_line.position == 2
    with Session(engine) as session:
        case = session.scalars(select(SupportCase).where(SupportCase.number == first.case_number)).one()
        assert (case.conversation_id, case.channel) == ("tg:77", Channel.TELEGRAM)


def test_taking_handing_back_and_withdrawing_a_handoff(uow: UnitOfWork) -> None:
    anna = customer_id(uow, "web-anna")
    waiting = request_handoff(uow, anna, "web:anna", Channel.WEB, NOW, reason=HandoffReason.CUSTOMER_ASKED)

    taken = take_case(uow, waiting.case_number, "Alex", NOW)
    with pytest.raises(CaseNotWaiting):
        take_case(uow, waiting.case_number, "Sam", NOW)
    release_case(uow, waiting.case_number, NOW, close=False)
    queued_again = request_handoff(
        uow, anna, "web:anna", Channel.WEB, NOW, reason=HandoffReason.CUSTOMER_ASKED
    )
    withdrawn = withdraw_handoff(uow, "web:anna", NOW)

    assert taken.conversation_id == "web:anna"
    assert queued_again.status is CaseStatus.WAITING_AGENT and queued_again.reused
    assert withdrawn == waiting.case_number
    assert queue_status(uow, "web:anna", NOW) is None


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

    case = book_service(
        uow, anna, "SN-1", NOW, preferred_time="next week", conversation_id="web:anna", channel=Channel.WEB
    )

    assert (case.kind, case.status, case.topic) == (CaseKind.QUESTION, CaseStatus.OPEN, "service booking")
    with Session(engine) as session:
        assert "next week" in session.scalars(select(SupportCase.description)).one()


def test_the_catalogue_finds_the_product_meant_and_what_fits_the_customers_device(
    uow: UnitOfWork, engine: Engine
) -> None:
    add_machine(engine)

    supplies = supplies_for_customer(uow, customer_id(uow, "web-anna"))
    typo = match_products(uow, "how much are the capsuls")
    machine = match_products(uow, "the capsule machine please")

    assert [s.device for s in supplies] == ["Barista Compact capsule coffee machine"]
    assert [c.name for c in supplies[0].consumables] == ["Barista espresso capsules, 50 pack"]
    assert typo and all("capsules" in p.name for p in typo)
    assert machine[0].name == "Barista Compact capsule coffee machine"
