"""Small, explicit rows for tests that need a few known customers and orders (not the demo shop)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import (
    Channel,
    ChannelIdentity,
    Customer,
    LinkState,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    Product,
    ProductKind,
)

T0 = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def add_customer(
    session: Session, ref: str, name: str, *, web_id: str | None = None, link: LinkState = LinkState.LINKED
) -> Customer:
    customer = Customer(
        external_ref=ref,
        name=name,
        email=f"{ref.lower()}@example.com",
        time_zone="Europe/Berlin",
        language="de",
        country="Germany",
        created_at=T0 - timedelta(days=300),
    )
    session.add(customer)
    session.flush()
    if web_id:
        session.add(
            ChannelIdentity(
                customer_id=customer.id,
                channel=Channel.WEB,
                external_id=web_id,
                link_state=link,
                linked_at=T0,
            )
        )
    return customer


def add_product(session: Session, sku: str = "CAP-50", name: str = "Espresso capsules, 50") -> Product:
    product = Product(
        sku=sku, name=name, category="coffee", kind=ProductKind.CONSUMABLE, price=Decimal("17.50")
    )
    session.add(product)
    session.flush()
    return product


def add_order(
    session: Session,
    customer: Customer,
    product: Product,
    number: str,
    *,
    placed_at: datetime = T0,
    status: OrderStatus = OrderStatus.SHIPPED,
    quantity: int = 2,
) -> Order:
    order = Order(
        number=number,
        customer_id=customer.id,
        placed_at=placed_at,
        status=status,
        currency="EUR",
        ship_country="Germany",
        ship_city="Berlin",
        carrier="DHL" if status is OrderStatus.SHIPPED else None,
        tracking_number=f"JD{number}" if status is OrderStatus.SHIPPED else None,
        promised_delivery_on=date(2026, 11, 4),
    )
    session.add(order)
    session.flush()
    session.add(
        OrderLine(order_id=order.id, product_id=product.id, quantity=quantity, unit_price=product.price)
    )
    session.add(OrderStatusEvent(order_id=order.id, status=OrderStatus.PLACED, occurred_at=placed_at))
    if status is not OrderStatus.PLACED:
        session.add(
            OrderStatusEvent(order_id=order.id, status=status, occurred_at=placed_at + timedelta(days=1))
        )
    return order


def small_shop(engine: Engine) -> None:
    """Anna (web-anna) with two orders, Ben (web-ben) with one, Carla with a pending link only."""
    with Session(engine) as session:
        capsules = add_product(session)
        anna = add_customer(session, "C90001", "Anna Schmidt", web_id="web-anna")
        ben = add_customer(session, "C90002", "Ben Okafor", web_id="web-ben")
        add_customer(session, "C90003", "Carla Ruiz", web_id="web-carla", link=LinkState.PENDING)
        add_order(
            session,
            anna,
            capsules,
            "2000001",
            placed_at=T0 - timedelta(days=40),
            status=OrderStatus.DELIVERED,
        )
        add_order(session, anna, capsules, "2000002", placed_at=T0, status=OrderStatus.SHIPPED, quantity=3)
        add_order(session, ben, capsules, "2000003", placed_at=T0, status=OrderStatus.PAID)
        session.commit()
