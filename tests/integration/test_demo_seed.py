"""Seeding the demo shop into a real store: complete, refused twice, and all-or-nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crm.demo import SHOWCASE_REF, StoreNotEmpty, generate_shop, seed_demo
from crm.models import Base, ChannelIdentity, Customer, Order, OrderLine, Product

AS_OF = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
        }


def _assert_seeded_and_refused_twice(engine: Engine, customers: int) -> None:
    expected = generate_shop(seed=7, as_of=AS_OF, customers=customers).counts()

    counts = seed_demo(engine, as_of=AS_OF, customers=customers, progress=False)

    assert counts == expected
    stored = _row_counts(engine)
    assert {name: stored[name] for name in expected} == expected
    with pytest.raises(StoreNotEmpty):
        seed_demo(engine, as_of=AS_OF, customers=customers, progress=False)
    assert _row_counts(engine) == stored


def _assert_showcase_parcel_is_on_its_way(engine: Engine) -> None:
    with Session(engine) as session:
        customer = session.scalars(select(Customer).where(Customer.external_ref == SHOWCASE_REF)).one()
        latest = session.scalars(
            select(Order).where(Order.customer_id == customer.id).order_by(Order.placed_at.desc()).limit(1)
        ).one()
        assert latest.status == "shipped"
        assert latest.tracking_number and latest.carrier
        assert [event.status for event in latest.history] == ["placed", "paid", "shipped"]
        web = session.scalars(select(ChannelIdentity).where(ChannelIdentity.external_id == "C00001")).one()
        assert web.customer_id == customer.id


def test_seed_demo_writes_the_whole_shop_once_on_sqlite(store: Engine) -> None:
    _assert_seeded_and_refused_twice(store, customers=300)
    _assert_showcase_parcel_is_on_its_way(store)


def test_foreign_keys_point_at_the_rows_they_were_generated_for(store: Engine) -> None:
    shop = generate_shop(seed=7, as_of=AS_OF, customers=50)
    seed_demo(store, as_of=AS_OF, customers=50, progress=False)
    refs = {row["id"]: row["external_ref"] for row in shop.customers}
    skus = {row["id"]: row["sku"] for row in shop.products}
    numbers = {row["id"]: row["number"] for row in shop.orders}
    generated = {(numbers[line["order_id"]], skus[line["product_id"]]) for line in shop.order_lines}
    owners = {(row["number"], refs[row["customer_id"]]) for row in shop.orders}
    with Session(store) as session:
        stored = set(
            session.execute(
                select(Order.number, Product.sku)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .join(Product)
            )
        )
        stored_owners = set(session.execute(select(Order.number, Customer.external_ref).join(Customer)))
    assert stored == generated
    assert stored_owners == owners


def test_a_failure_halfway_leaves_the_store_empty(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    shop = generate_shop(seed=7, as_of=AS_OF, customers=20)
    # One of the last tables written holds a row the database refuses (rating must be 1 to 5).
    broken_reviews = [*shop.reviews, {**shop.reviews[0], "id": len(shop.reviews) + 1, "rating": 9}]
    broken = dataclasses.replace(shop, reviews=broken_reviews)
    monkeypatch.setattr("crm.demo.writer.generate_shop", lambda **_: broken)

    with pytest.raises(Exception, match="rating"):
        seed_demo(store, as_of=AS_OF, customers=20, progress=False)

    assert set(_row_counts(store).values()) == {0}


def test_seed_demo_on_postgres(postgres_store: Engine) -> None:
    _assert_seeded_and_refused_twice(postgres_store, customers=200)
    _assert_showcase_parcel_is_on_its_way(postgres_store)
