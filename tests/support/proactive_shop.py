"""A small store with known rhythms, devices and parcels for the proactive engine's tests.

NOW is Friday 20 November 2026, 12:00 UTC (13:00 in Berlin). Capsules last 25 days a pack.

- Anna (C80001, Telegram preferred, all consents): capsules every 28 days, last 28 days ago, so
  they run out 1.5 days ago; her machine (bought 363 days ago, yearly service) is due in 2 days;
  order 3000010 shipped 6 days ago, promised 2 days ago, not delivered: late.
- Ben (C80002, web preferred, service consent only): two packs 48 days ago: out in 2 days; a
  cancelled and a returned capsule order since then count for nothing.
- Carla (C80003, email preferred): one pack 20 days ago, out in 5 days (beyond a 3-day lead);
  order 3000030 shipped, promised tomorrow.
- Dana (C80004): her only capsule order was returned; her machine, bought 700 days ago and
  serviced 335 days ago, is due in 30 days but its warranty ends in 30: the check is due today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import (
    Channel,
    ChannelIdentity,
    CommunicationPreferences,
    Consent,
    ConsentPurpose,
    ConsentSource,
    Customer,
    Device,
    LinkState,
    MessageStyle,
    OrderStatus,
    Product,
    ProductKind,
)
from tests.support.shops import add_history_order

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@dataclass(frozen=True)
class ShopIds:
    anna: int
    ben: int
    carla: int
    dana: int
    capsules: int
    machine: int


def _customer(session: Session, ref: str, name: str, preferred: Channel, telegram: str | None) -> Customer:
    customer = Customer(
        external_ref=ref,
        name=name,
        email=f"{ref.lower()}@example.com",
        time_zone="Europe/Berlin",
        language="en",
        country="Germany",
        created_at=NOW - timedelta(days=800),
    )
    session.add(customer)
    session.flush()
    session.add(
        ChannelIdentity(
            customer_id=customer.id,
            channel=Channel.WEB,
            external_id=ref,
            link_state=LinkState.LINKED,
            linked_at=customer.created_at,
        )
    )
    if telegram:
        session.add(
            ChannelIdentity(
                customer_id=customer.id,
                channel=Channel.TELEGRAM,
                external_id=telegram,
                link_state=LinkState.LINKED,
                linked_at=customer.created_at,
            )
        )
    session.add(
        CommunicationPreferences(
            customer_id=customer.id,
            preferred_channel=preferred,
            quiet_hours_start=None,
            quiet_hours_end=None,
            max_proactive_per_week=3,
            message_style=MessageStyle.SHORT,
        )
    )
    return customer


def consent(
    session: Session,
    customer: Customer,
    purpose: ConsentPurpose,
    channel: Channel,
    granted: bool,
    at: datetime,
) -> None:
    session.add(
        Consent(
            customer_id=customer.id,
            purpose=purpose,
            channel=channel,
            granted=granted,
            recorded_at=at,
            source=ConsentSource.SIGNUP,
        )
    )


def _bought(
    session: Session,
    customer: Customer,
    number: str,
    product: Product,
    quantity: int,
    days_ago: float,
    end: OrderStatus = OrderStatus.DELIVERED,
) -> None:
    placed = NOW - timedelta(days=days_ago)
    events = [(OrderStatus.PLACED, placed, None), (OrderStatus.PAID, placed + timedelta(minutes=5), None)]
    if end is not OrderStatus.PAID:
        events.append((end, placed + timedelta(hours=30), None))
    add_history_order(session, customer, number, [(product, quantity)], events)


def _shipped(
    session: Session, customer: Customer, number: str, product: Product, days_ago: int, promised: date
) -> None:
    placed = NOW - timedelta(days=days_ago + 1)
    add_history_order(
        session,
        customer,
        number,
        [(product, 1)],
        [
            (OrderStatus.PLACED, placed, None),
            (OrderStatus.PAID, placed + timedelta(minutes=5), None),
            (OrderStatus.SHIPPED, NOW - timedelta(days=days_ago), "Handed to DHL"),
        ],
        promised=promised,
        carrier="DHL",
    )


def proactive_shop(engine: Engine) -> ShopIds:
    with Session(engine) as session:
        machine = Product(
            sku="CM-100",
            name="Barista Compact capsule machine",
            category="coffee",
            kind=ProductKind.DEVICE,
            price=Decimal("99.00"),
            service_interval_days=365,
        )
        session.add(machine)
        session.flush()
        capsules = Product(
            sku="CAP-50",
            name="Barista espresso capsules, 50 pack",
            category="coffee",
            kind=ProductKind.CONSUMABLE,
            price=Decimal("17.50"),
            use_up_days=25,
            for_product_id=machine.id,
        )
        session.add(capsules)
        session.flush()
        anna = _customer(session, "C80001", "Anna Schmidt", Channel.TELEGRAM, "555001")
        ben = _customer(session, "C80002", "Ben Okafor", Channel.WEB, None)
        carla = _customer(session, "C80003", "Carla Ruiz", Channel.EMAIL, None)
        dana = _customer(session, "C80004", "Dana Levi", Channel.WEB, None)
        signup = NOW - timedelta(days=800)
        for purpose in ConsentPurpose:
            for channel in Channel:
                consent(session, anna, purpose, channel, True, signup)
        consent(session, ben, ConsentPurpose.SERVICE, Channel.WEB, True, signup)
        consent(session, carla, ConsentPurpose.SERVICE, Channel.EMAIL, True, signup)
        consent(session, carla, ConsentPurpose.MARKETING, Channel.EMAIL, True, signup)
        consent(session, dana, ConsentPurpose.SERVICE, Channel.WEB, True, signup)
        consent(session, dana, ConsentPurpose.MARKETING, Channel.WEB, True, signup)
        for number, days in (("3000001", 84), ("3000002", 56), ("3000003", 28)):
            _bought(session, anna, number, capsules, 1, days)
        _bought(session, ben, "3000004", capsules, 2, 48)
        _bought(session, ben, "3000005", capsules, 1, 10, OrderStatus.CANCELLED)
        _bought(session, ben, "3000006", capsules, 1, 5, OrderStatus.RETURNED)
        _bought(session, carla, "3000007", capsules, 1, 20)
        _bought(session, dana, "3000008", capsules, 1, 12, OrderStatus.RETURNED)
        _shipped(session, anna, "3000010", machine, 6, TODAY - timedelta(days=2))
        _shipped(session, carla, "3000030", machine, 1, TODAY + timedelta(days=1))
        session.add_all(
            [
                Device(
                    customer_id=anna.id,
                    product_id=machine.id,
                    serial="CM100A",
                    purchased_on=TODAY - timedelta(days=363),
                    last_service_on=None,
                    warranty_ends_on=TODAY + timedelta(days=367),
                ),
                Device(
                    customer_id=dana.id,
                    product_id=machine.id,
                    serial="CM100D",
                    purchased_on=TODAY - timedelta(days=700),
                    last_service_on=TODAY - timedelta(days=335),
                    warranty_ends_on=TODAY + timedelta(days=30),
                ),
            ]
        )
        session.commit()
        return ShopIds(anna.id, ben.id, carla.id, dana.id, capsules.id, machine.id)
