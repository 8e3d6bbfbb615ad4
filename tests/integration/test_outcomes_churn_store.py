"""Churn scoring straight from the customer store (one query), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import Customer, Order, OrderLine, OrderStatus
from crm.uow import UnitOfWork
from proactive.predictors.churn import NotEnoughHistory, churn_candidates, day_number, load_purchase_log
from tests.factories import add_product

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(params=["store", "postgres_store"])
def engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    return engine


def _shop(engine: Engine, customers: int = 160) -> dict[str, int]:
    """Half the customers buy every ~3 weeks until now; half stopped 4-8 months ago."""
    rng = np.random.default_rng(4)
    ids: dict[str, int] = {}
    with Session(engine) as session:
        product = add_product(session)
        number = 0
        for index in range(customers):
            lapsed = index % 2 == 1
            customer = Customer(
                external_ref=f"C{index:05d}",
                name=f"Customer {index}",
                time_zone="UTC",
                language="en",
                country="Germany",
                created_at=AS_OF - timedelta(days=900),
            )
            session.add(customer)
            session.flush()
            ids[customer.external_ref] = customer.id
            stop = AS_OF - timedelta(days=float(rng.uniform(120, 240))) if lapsed else AS_OF
            day = AS_OF - timedelta(days=float(rng.uniform(600, 700)))
            while day < stop:
                number += 1
                order = Order(
                    number=str(number),
                    customer_id=customer.id,
                    placed_at=day,
                    status=OrderStatus.DELIVERED,
                    currency="EUR",
                    ship_country="Germany",
                )
                order.lines.append(OrderLine(product_id=product.id, quantity=2, unit_price=Decimal("17.50")))
                session.add(order)
                day += timedelta(days=float(rng.exponential(21)) + 1)
        # A lapsed customer's cancelled order yesterday must not make them look active.
        number += 1
        session.add(
            Order(
                number=str(number),
                customer_id=ids["C00001"],
                placed_at=AS_OF - timedelta(days=1),
                status=OrderStatus.CANCELLED,
                currency="EUR",
                ship_country="Germany",
            )
        )
        session.commit()
    return ids


def test_lapsed_customers_are_scored_above_loyal_ones(engine: Engine) -> None:
    ids = _shop(engine)
    found = churn_candidates(UnitOfWork.for_engine(engine), AS_OF, min_probability=0.0)
    probability = {risk.customer_id: risk.probability for risk in found}
    lapsed = [probability[ids[f"C{i:05d}"]] for i in range(1, 160, 2) if ids[f"C{i:05d}"] in probability]
    loyal = [probability[ids[f"C{i:05d}"]] for i in range(0, 160, 2)]
    assert len(loyal) == 80 and len(lapsed) >= 60  # lapsed over a year ago are outside the population
    assert np.mean(lapsed) > np.mean(loyal) + 0.3
    first = next(risk for risk in found if risk.customer_id == ids["C00001"])
    assert first.days_since_last_order >= 120  # the cancelled order yesterday did not count
    assert [risk.probability for risk in found] == sorted((risk.probability for risk in found), reverse=True)


def test_the_log_has_one_row_per_order_with_its_value_and_exact_day(engine: Engine) -> None:
    ids = _shop(engine, customers=4)
    uow = UnitOfWork.for_engine(engine)
    with uow:
        log = load_purchase_log(uow, AS_OF)
        placed = sorted(
            day_number(moment)
            for moment in uow.session.scalars(
                select(Order.placed_at).where(Order.status != OrderStatus.CANCELLED)
            )
        )
    assert set(log.customer.tolist()) == set(ids.values())
    assert np.all(log.amount == 35.0)
    # The database's day numbers are the same instants, to the second.
    assert np.allclose(np.sort(log.day), placed, atol=1 / 86400)


def test_an_empty_shop_cannot_be_scored(store: Engine) -> None:
    with pytest.raises(NotEnoughHistory):
        churn_candidates(UnitOfWork.for_engine(store), AS_OF)
