"""A customer asks where their order is, through the real REST channel, and gets their own data."""

from __future__ import annotations

import uuid

import pytest

from crm.db import make_engine
from crm.models import Channel
from crm.services.customers import identify_customer
from crm.services.orders import order_status
from crm.uow import UnitOfWork
from tests.e2e.conftest import RunningSystem

pytestmark = pytest.mark.e2e


def _expected(system: RunningSystem, sender: str, number: str | None = None):  # type: ignore[no-untyped-def]
    uow = UnitOfWork.for_engine(make_engine(system.settings.database_url))
    customer = identify_customer(uow, Channel.WEB, sender)
    return customer, order_status(uow, customer.id, number)


@pytest.mark.parametrize("sender", ["web-C00001", "web-C00042", "web-C00277"])
def test_seeded_customer_hears_their_latest_order(system: RunningSystem, sender: str) -> None:
    customer, order = _expected(system, sender)

    reply = " ".join(system.say(sender, "where is my order?"))

    assert customer.first_name in reply
    assert order.number in reply
    if order.tracking_number and order.status == "shipped":
        assert order.tracking_number in reply
        assert order.carrier and order.carrier in reply


def test_showcase_customer_sees_carrier_and_tracking(system: RunningSystem) -> None:
    _, order = _expected(system, "web-C00001")
    assert order.status == "shipped"

    reply = " ".join(system.say("web-C00001", "hi, has my order shipped yet"))

    assert f"with {order.carrier}, tracking number {order.tracking_number}" in reply


def test_someone_elses_order_number_reveals_nothing(system: RunningSystem) -> None:
    _, others = _expected(system, "web-C00002")

    reply = " ".join(system.say("web-C00003", f"where is order {others.number}"))

    assert f"couldn't find an order {others.number} on your account" in reply
    if others.tracking_number:
        assert others.tracking_number not in reply


def test_unknown_visitor_is_asked_to_identify(system: RunningSystem) -> None:
    reply = " ".join(system.say(f"visitor-{uuid.uuid4().hex[:8]}", "where is my order?"))

    assert "order number and the email address" in reply
