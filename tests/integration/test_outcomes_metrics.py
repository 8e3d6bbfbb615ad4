"""The five shop metrics on a small shop whose figures are worked out by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import (
    CaseKind,
    CaseStatus,
    ChatRating,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Review,
    SupportCase,
)
from crm.uow import UnitOfWork
from outcomes.cli import main
from outcomes.metrics import BadPeriod, shop_metrics
from tests.factories import add_customer, add_order, add_product

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)  # 90 days later; END - 365 days = START - 275 days


def _day(offset: int) -> datetime:
    return START + timedelta(days=offset)


def _case(session: Session, number: str, customer: Customer, kind: CaseKind, opened_at: datetime) -> None:
    session.add(
        SupportCase(
            number=number,
            customer_id=customer.id,
            kind=kind,
            topic="broken capsules",
            status=CaseStatus.OPEN,
            opened_at=opened_at,
        )
    )


def _review(session: Session, customer: Customer, rating: int, created_at: datetime) -> None:
    session.add(Review(customer_id=customer.id, rating=rating, text="", created_at=created_at))


def _guest_order(session: Session, product: Product, placed_at: datetime, quantity: int) -> None:
    order = Order(
        number="G-1",
        customer_id=None,
        placed_at=placed_at,
        status=OrderStatus.DELIVERED,
        currency="EUR",
        ship_country="Germany",
    )
    order.lines.append(OrderLine(product_id=product.id, quantity=quantity, unit_price=product.price))
    session.add(order)


def hand_counted_shop(engine: Engine) -> None:
    """Capsules at 17.50. Active at START: Anna, Dora, Emil, Hana (4). Active at END: Anna, Ben,
    Cleo, Dora (4). New in the period: Cleo (1). Retention (4 - 1) / 4 = 0.75.

    Orders in the period, not cancelled: Anna 3 capsules + 1 descaler (52.50 + 9.90), Ben 2 (35.00),
    Cleo 1 (17.50), a guest 4 (70.00) at START exactly: 184.90 / 4 = 46.225. Anna's cancelled
    order of 10, Fred's cancelled order and Dora's order at END exactly do not count.

    Reviews in the period: 5, 5, 4, 2, 1 -> 3 / 5 positive (the 5 before START and the 2 at END
    are outside). Complaints in the period: Anna (twice), Cleo -> 2 customers of 4 active at END;
    Ben's return case and Emil's earlier complaint do not count.
    """
    with Session(engine) as session:
        capsules = add_product(session)
        descaler = add_product(session, "DESC-1", "Descaler")
        descaler.price = Decimal("9.90")
        anna = add_customer(session, "C1", "Anna")
        ben = add_customer(session, "C2", "Ben")
        cleo = add_customer(session, "C3", "Cleo")
        dora = add_customer(session, "C4", "Dora")
        emil = add_customer(session, "C5", "Emil")
        fred = add_customer(session, "C6", "Fred")
        hana = add_customer(session, "C7", "Hana")
        add_order(session, anna, capsules, "1", placed_at=_day(-100), status=OrderStatus.DELIVERED)
        in_period = add_order(session, anna, capsules, "2", placed_at=_day(10), quantity=3)
        session.add(
            OrderLine(order_id=in_period.id, product_id=descaler.id, quantity=1, unit_price=descaler.price)
        )
        add_order(session, anna, capsules, "3", placed_at=_day(15), status=OrderStatus.CANCELLED, quantity=10)
        add_order(session, ben, capsules, "4", placed_at=_day(-400), status=OrderStatus.DELIVERED)
        add_order(session, ben, capsules, "5", placed_at=_day(20), status=OrderStatus.DELIVERED)
        add_order(session, cleo, capsules, "6", placed_at=_day(5), quantity=1)
        add_order(session, dora, capsules, "7", placed_at=_day(-30), status=OrderStatus.DELIVERED)
        add_order(session, dora, capsules, "8", placed_at=END, status=OrderStatus.PAID)
        add_order(session, emil, capsules, "9", placed_at=_day(-300), status=OrderStatus.DELIVERED)
        add_order(session, fred, capsules, "10", placed_at=_day(40), status=OrderStatus.CANCELLED)
        add_order(session, hana, capsules, "11", placed_at=_day(-350), status=OrderStatus.DELIVERED)
        _guest_order(session, capsules, START, 4)
        for rating, at in [(5, _day(1)), (5, _day(2)), (4, _day(3)), (2, _day(4)), (1, _day(89))]:
            _review(session, anna, rating, at)
        _review(session, ben, 5, _day(-1))
        _review(session, ben, 2, END)
        # Chat ratings count with the reviews for satisfaction: 4 and 3 inside, a 5 at the end (outside).
        for customer, rating, at in [(anna, 4, _day(10)), (ben, 3, _day(20)), (cleo, 5, END)]:
            session.add(ChatRating(customer_id=customer.id, rating=rating, rated_at=at))
        _case(session, "K1", anna, CaseKind.COMPLAINT, _day(3))
        _case(session, "K2", anna, CaseKind.COMPLAINT, _day(50))
        _case(session, "K3", cleo, CaseKind.COMPLAINT, _day(60))
        _case(session, "K4", ben, CaseKind.RETURN, _day(60))
        _case(session, "K5", emil, CaseKind.COMPLAINT, _day(-5))
        session.commit()


@pytest.fixture(params=["store", "postgres_store"])
def engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    return engine


def test_each_metric_matches_the_hand_count(engine: Engine) -> None:
    hand_counted_shop(engine)
    result = shop_metrics(UnitOfWork.for_engine(engine), START, END)

    assert (result.retention.numerator, result.retention.denominator) == (3, 4)
    assert result.retention.value == pytest.approx(0.75)
    assert (result.average_order_value.numerator, result.average_order_value.denominator) == (
        Decimal("184.90"),
        4,
    )
    assert result.average_order_value.value == pytest.approx(46.225)
    assert (result.positive_review_share.numerator, result.positive_review_share.denominator) == (3, 5)
    assert (result.complaint_share.numerator, result.complaint_share.denominator) == (2, 4)
    assert result.complaint_share.value == pytest.approx(0.5)
    # Reviews 5, 5, 4, 2, 1 and chat ratings 4, 3 in the period: 4 of 7 are 4-5.
    assert (result.satisfaction.numerator, result.satisfaction.denominator) == (4, 7)


def test_an_empty_shop_has_no_values_rather_than_zeros(engine: Engine) -> None:
    result = shop_metrics(UnitOfWork.for_engine(engine), START, END)
    assert [metric.value for metric in result.all()] == [None] * 5
    assert result.average_order_value.denominator == 0


def test_a_reversed_or_naive_period_is_refused(store: Engine) -> None:
    with pytest.raises(BadPeriod, match="before it starts"):
        shop_metrics(UnitOfWork.for_engine(store), END, START)
    with pytest.raises(BadPeriod, match="timezone-aware"):
        shop_metrics(UnitOfWork.for_engine(store), START.replace(tzinfo=None), END)


def test_the_command_prints_the_table(
    store: Engine, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hand_counted_shop(store)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["metrics", "--from", "2026-01-01", "--to", "2026-04-01"]) == 0
    out = capsys.readouterr().out
    assert "retention rate" in out and "75.0%" in out
    assert "46.23" in out or "46.22" in out
    assert "satisfaction level" in out and "57.1%" in out


def test_the_command_refuses_a_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["metrics", "--from", "January", "--to", "2026-04-01"])
    assert exit_.value.code == 2
    assert "is not a date" in capsys.readouterr().err


def test_the_command_says_when_there_is_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing.db'}")
    assert main(["metrics", "--from", "2026-01-01", "--to", "2026-04-01"]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()  # nothing created by asking
