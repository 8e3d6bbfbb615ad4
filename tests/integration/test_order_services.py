"""Order, delivery, refund, invoice and reorder services, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from crm.models import Channel, OrderStatus
from crm.services.customers import identify_customer
from crm.services.delivery import DeliveryState, address_change_options, delivery_estimate
from crm.services.errors import OrderNotFound
from crm.services.invoices import order_invoices
from crm.services.orders import (
    OrderAction,
    OrderActionRefused,
    cancel_order,
    check_order_action,
    open_orders,
    order_status,
    request_order_change,
)
from crm.services.refunds import CancellationFee, RefundState, cancellation_fee, refund_status
from crm.services.replenishment import ReorderRefused, reorder, usual_consumables
from crm.uow import UnitOfWork
from tests.factories import T0
from tests.support.shops import NOW, orders_shop


@pytest.fixture(params=["sqlite", "postgresql"])
def uow(request: pytest.FixtureRequest) -> UnitOfWork:
    engine: Engine = request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")
    orders_shop(engine)
    return UnitOfWork.for_engine(engine)


def _id(uow: UnitOfWork, sender: str) -> int:
    return identify_customer(uow, Channel.WEB, sender).id


# --- cancel and change -------------------------------------------------------------------


def test_cancelling_an_unpaid_order_records_it_and_owes_nothing(uow: UnitOfWork) -> None:
    anna = _id(uow, "web-anna")

    result = cancel_order(uow, anna, "2000004", NOW)

    assert (result.number, result.status, result.was_paid, result.refund_amount) == (
        "2000004", OrderStatus.CANCELLED, False, Decimal("0"),
    )  # fmt: skip
    view = order_status(uow, anna, "2000004")
    assert (view.status, view.status_since) == (OrderStatus.CANCELLED, NOW)


def test_cancelling_a_paid_order_promises_the_paid_amount_back(uow: UnitOfWork) -> None:
    ben = _id(uow, "web-ben")

    result = cancel_order(uow, ben, "#2000003", NOW)

    assert (result.was_paid, result.refund_amount, result.currency) == (True, Decimal("17.50"), "EUR")
    pending = refund_status(uow, ben, "2000003", NOW)
    assert (pending.state, pending.expected_by) == (RefundState.PENDING, date(2026, 11, 10))


@pytest.mark.parametrize("number", ["2000002", "2000001"], ids=["shipped", "delivered"])
def test_an_order_that_left_the_warehouse_cannot_be_cancelled(uow: UnitOfWork, number: str) -> None:
    anna = _id(uow, "web-anna")

    with pytest.raises(OrderActionRefused) as refused:
        cancel_order(uow, anna, number, NOW)

    assert refused.value.status is order_status(uow, anna, number).status
    assert order_status(uow, anna, number).status_since < NOW  # nothing recorded


def test_someone_elses_order_cannot_be_cancelled_and_stays_untouched(uow: UnitOfWork) -> None:
    anna, ben = _id(uow, "web-anna"), _id(uow, "web-ben")

    with pytest.raises(OrderNotFound):
        cancel_order(uow, anna, "2000003", NOW)
    with pytest.raises(OrderNotFound):
        check_order_action(uow, anna, "2000003", OrderAction.CANCEL)

    assert order_status(uow, ben, "2000003").status is OrderStatus.PAID


def test_check_says_why_a_cancelled_order_cannot_be_changed(uow: UnitOfWork) -> None:
    dana = _id(uow, "web-dana")

    with pytest.raises(OrderActionRefused) as refused:
        check_order_action(uow, dana, "2000012", OrderAction.CHANGE)

    assert (refused.value.action, refused.value.status) == (OrderAction.CHANGE, OrderStatus.CANCELLED)


def test_a_change_request_is_noted_on_the_order_without_changing_its_state(uow: UnitOfWork) -> None:
    anna = _id(uow, "web-anna")

    result = request_order_change(uow, anna, "2000004", "please make it   3 packs", NOW)

    assert (result.status, result.note) == (
        OrderStatus.PLACED,
        "Change requested in chat: please make it 3 packs",
    )
    assert order_status(uow, anna, "2000004").status_since == NOW


def test_open_orders_are_offered_newest_first(uow: UnitOfWork) -> None:
    anna = _id(uow, "web-anna")

    assert [view.number for view in open_orders(uow, anna)] == ["2000004", "2000002"]


# --- delivery ----------------------------------------------------------------------------


def test_estimates_follow_the_order_state(uow: UnitOfWork) -> None:
    anna, ben, dana = _id(uow, "web-anna"), _id(uow, "web-ben"), _id(uow, "web-dana")

    unpaid = delivery_estimate(uow, anna, None, NOW.date())
    in_transit = delivery_estimate(uow, anna, "2000002", NOW.date())
    preparing = delivery_estimate(uow, ben, None, NOW.date())
    late = delivery_estimate(uow, dana, None, NOW.date())
    delivered = delivery_estimate(uow, anna, "2000001", NOW.date())

    assert (unpaid.number, unpaid.state, unpaid.transit_days) == (
        "2000004",
        DeliveryState.AWAITING_PAYMENT,
        (1, 2),
    )
    assert (in_transit.state, in_transit.earliest, in_transit.latest) == (
        DeliveryState.IN_TRANSIT, date(2026, 11, 3), date(2026, 11, 4),
    )  # fmt: skip
    assert (preparing.state, preparing.earliest, preparing.latest) == (
        DeliveryState.PREPARING, date(2026, 11, 5), date(2026, 11, 6),
    )  # fmt: skip
    assert (late.number, late.state, late.latest, late.ship_country, late.transit_days) == (
        "2000013", DeliveryState.LATE, date(2026, 10, 30), "United Kingdom", (3, 5),
    )  # fmt: skip
    assert (delivered.state, delivered.delivered_on) == (DeliveryState.DELIVERED, date(2026, 9, 24))


def test_only_unshipped_orders_can_be_readdressed(uow: UnitOfWork) -> None:
    view = address_change_options(uow, _id(uow, "web-anna"))

    assert (view.changeable_orders, view.shipped_orders) == (("2000004",), ("2000002",))


# --- refunds and fees --------------------------------------------------------------------


def test_refund_of_the_most_recent_return_is_pending(uow: UnitOfWork) -> None:
    view = refund_status(uow, _id(uow, "web-dana"), None, NOW)

    assert (view.number, view.state, view.amount, view.expected_by, view.overdue) == (
        "2000010", RefundState.PENDING, Decimal("35.00"), date(2026, 11, 9), False,
    )  # fmt: skip


def test_refund_states_of_named_orders(uow: UnitOfWork) -> None:
    dana, anna = _id(uow, "web-dana"), _id(uow, "web-anna")

    refunded = refund_status(uow, dana, "2000011", NOW)
    unpaid = refund_status(uow, dana, "2000012", NOW)
    nothing = refund_status(uow, anna, None, NOW)

    assert (refunded.state, refunded.refunded_on, refunded.amount) == (
        RefundState.REFUNDED, date(2026, 10, 30), Decimal("17.50"),
    )  # fmt: skip
    assert (unpaid.state, unpaid.amount) == (RefundState.NOTHING_CHARGED, Decimal("0"))
    assert (nothing.number, nothing.state) == ("2000004", RefundState.NOTHING_TO_REFUND)
    with pytest.raises(OrderNotFound):
        refund_status(uow, anna, "2000011", NOW)


def test_pending_refund_past_its_date_is_overdue(uow: UnitOfWork) -> None:
    later = NOW.replace(day=20)

    assert refund_status(uow, _id(uow, "web-dana"), "2000010", later).overdue is True


def test_cancellation_fee_follows_the_policy_table(uow: UnitOfWork) -> None:
    anna = _id(uow, "web-anna")

    assert cancellation_fee(uow, anna, "2000004").fee is CancellationFee.FREE
    assert cancellation_fee(uow, anna, "2000002").fee is CancellationFee.RETURN


# --- invoices ----------------------------------------------------------------------------


def test_invoices_of_a_named_paid_order(uow: UnitOfWork) -> None:
    view = order_invoices(uow, _id(uow, "web-anna"), "2000002")

    assert [(i.number, i.issued_at, i.amount) for i in view.invoices] == [
        ("INV-2000002", T0 - timedelta(days=1), Decimal("52.50"))
    ]


def test_unpaid_latest_order_has_no_invoice_yet(uow: UnitOfWork) -> None:
    view = order_invoices(uow, _id(uow, "web-anna"))

    assert (view.order_number, view.order_status, view.invoices) == ("2000004", OrderStatus.PLACED, ())


# --- replenishment -----------------------------------------------------------------------


def test_usual_consumable_is_the_most_bought_with_its_last_quantity(uow: UnitOfWork) -> None:
    usual = usual_consumables(uow, _id(uow, "web-anna"))

    assert [(u.sku, u.times_bought, u.last_quantity, u.total) for u in usual] == [
        ("CAP-50", 3, 2, Decimal("35.00")),
        ("DSC-2", 1, 1, Decimal("17.50")),
    ]


def test_reorder_places_an_unpaid_order_with_the_next_free_number(uow: UnitOfWork) -> None:
    anna = _id(uow, "web-anna")
    capsules = usual_consumables(uow, anna)[0]

    first = reorder(uow, anna, capsules.product_id, 2, NOW)
    second = reorder(uow, anna, capsules.product_id, 1, NOW)

    assert (first.number, first.status, first.item, first.total) == (
        "2000014", OrderStatus.PLACED, "2 x Espresso capsules, 50", Decimal("35.00"),
    )  # fmt: skip
    assert second.number == "2000015"
    latest = order_status(uow, anna)
    assert (latest.number, latest.status, latest.placed_at) == ("2000015", OrderStatus.PLACED, NOW)


def test_devices_and_silly_quantities_are_not_reordered(uow: UnitOfWork) -> None:
    anna = _id(uow, "web-anna")
    capsules = usual_consumables(uow, anna)[0]

    with pytest.raises(ReorderRefused):
        reorder(uow, anna, capsules.product_id, 0, NOW)
    with pytest.raises(ReorderRefused):
        reorder(uow, anna, capsules.product_id + 2, 1, NOW)  # the machine
