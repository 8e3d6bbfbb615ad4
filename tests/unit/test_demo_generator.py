"""The demo shop generator: deterministic, and believable in the ways a demo audience notices."""

from __future__ import annotations

import dataclasses
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm.demo import SHOWCASE_REF, DemoShop, generate_shop
from crm.models import Base, OrderStatus

AS_OF = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SMALL = 300


@pytest.fixture(scope="module")
def shop() -> DemoShop:
    return generate_shop(seed=7, as_of=AS_OF, customers=SMALL)


@pytest.fixture(scope="module")
def full_shop() -> DemoShop:
    return generate_shop(seed=11, as_of=AS_OF)


def _by(rows: list[dict[str, Any]], column: str) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append(row)
    return grouped


def _service_due(shop: DemoShop) -> list[date]:
    interval = {product["id"]: product["service_interval_days"] for product in shop.products}
    return [
        (device["last_service_on"] or device["purchased_on"]) + timedelta(days=interval[device["product_id"]])
        for device in shop.devices
        if interval[device["product_id"]]
    ]


def test_same_seed_and_as_of_give_the_same_shop_and_another_seed_does_not(shop: DemoShop) -> None:
    assert generate_shop(seed=7, as_of=AS_OF, customers=SMALL) == shop
    other = generate_shop(seed=8, as_of=AS_OF, customers=SMALL)
    assert other != shop
    assert [row["name"] for row in other.customers] != [row["name"] for row in shop.customers]


def test_naive_as_of_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_shop(seed=7, as_of=datetime(2026, 11, 30, 12, 0), customers=5)


def test_full_shop_has_2000_customers_across_languages_and_time_zones(full_shop: DemoShop) -> None:
    customers = full_shop.customers
    assert len(customers) >= 2000
    assert [row["external_ref"] for row in customers[:3]] == ["C00001", "C00002", "C00003"]
    assert {"en", "de", "fr", "es", "it", "pl", "nl"} <= {row["language"] for row in customers}
    zones = {row["time_zone"] for row in customers}
    assert len(zones) >= 5
    assert all(ZoneInfo(zone) for zone in zones)  # real IANA names
    emails = [row["email"] for row in customers]
    assert len(set(emails)) == len(emails)
    assert all(email.endswith(("@example.com", "@example.org")) for email in emails)
    assert 15_000 <= len(full_shop.orders) <= 40_000


def test_every_customer_can_be_reached_and_has_preferences(shop: DemoShop) -> None:
    identities = _by(shop.channel_identities, "customer_id")
    preferences = {row["customer_id"]: row for row in shop.communication_preferences}
    for customer in shop.customers:
        channels = {row["channel"]: row for row in identities[customer["id"]]}
        assert channels["web"]["external_id"] == customer["external_ref"]
        assert channels["web"]["link_state"] == "linked"
        if preferences[customer["id"]]["preferred_channel"] == "telegram":
            assert channels["telegram"]["external_id"].isdigit()
            assert len(channels["telegram"]["external_id"]) == 9
    assert len(preferences) == len(shop.customers)


def test_marketing_consent_is_granted_by_about_sixty_percent_and_some_withdraw(full_shop: DemoShop) -> None:
    marketing = [row for row in full_shop.consents if row["purpose"] == "marketing"]
    granted = {row["customer_id"] for row in marketing if row["granted"]}
    assert 0.55 <= len(granted) / len(full_shop.customers) <= 0.65
    withdrawals = [row for row in marketing if not row["granted"]]
    assert withdrawals and all(row["source"] == "chat" for row in withdrawals)
    signed_up = {row["customer_id"]: row["recorded_at"] for row in marketing if row["granted"]}
    assert all(row["recorded_at"] > signed_up[row["customer_id"]] for row in withdrawals)


def test_consumable_reorders_follow_each_customers_own_rhythm(full_shop: DemoShop) -> None:
    """Days between reorders of one consumable, per unit bought, track the customer's hidden pace."""
    products = {row["id"]: row for row in full_shop.products}
    orders = {row["id"]: row for row in full_shop.orders}
    purchases: dict[tuple[int, int], list[tuple[datetime, int]]] = defaultdict(list)
    for line in full_shop.order_lines:
        if products[line["product_id"]]["kind"] == "consumable":
            order = orders[line["order_id"]]
            purchases[order["customer_id"], line["product_id"]].append((order["placed_at"], line["quantity"]))
    ratios: dict[int, list[float]] = defaultdict(list)
    for (customer, product), bought in purchases.items():
        bought.sort()
        use_up_days = products[product]["use_up_days"]
        for (earlier, quantity), (later, _) in pairwise(bought):
            ratios[customer].append((later - earlier).days / (quantity * use_up_days))
    refs = {row["id"]: row["external_ref"] for row in full_shop.customers}
    paces = sorted(
        (full_shop.truth[refs[customer]].consumption_factor, statistics.median(values))
        for customer, values in ratios.items()
        if len(values) >= 3
    )
    assert len(paces) > 300
    third = len(paces) // 3
    fast = statistics.median(observed for _, observed in paces[:third])
    slow = statistics.median(observed for _, observed in paces[-third:])
    assert fast < 0.7 * slow
    assert statistics.correlation([factor for factor, _ in paces], [observed for _, observed in paces]) > 0.7


def test_about_five_percent_of_shipped_orders_are_late(full_shop: DemoShop) -> None:
    history = _by(full_shop.order_status_events, "order_id")
    late = shipped = 0
    for order in full_shop.orders:
        events = {event["status"]: event["occurred_at"] for event in history[order["id"]]}
        if OrderStatus.SHIPPED not in events or order["promised_delivery_on"] is None:
            continue
        shipped += 1
        delivered = events.get(OrderStatus.DELIVERED)
        arrived_on = delivered.date() if delivered else AS_OF.date()
        late += arrived_on > order["promised_delivery_on"]
    assert 0.03 <= late / shipped <= 0.08


def test_some_orders_are_in_transit_at_as_of(shop: DemoShop) -> None:
    travelling = [row for row in shop.orders if row["status"] == "shipped"]
    assert len(travelling) >= 5
    assert all(row["carrier"] and row["tracking_number"] for row in travelling)
    assert all(AS_OF - row["placed_at"] < timedelta(days=25) for row in travelling)
    unshipped = [row for row in shop.orders if row["status"] in ("placed", "cancelled")]
    assert all(row["tracking_number"] is None for row in unshipped)


def test_some_devices_come_due_for_service_within_30_days(shop: DemoShop) -> None:
    window = [due for due in _service_due(shop) if AS_OF.date() <= due <= AS_OF.date() + timedelta(days=30)]
    assert len(window) >= 5
    assert any(device["last_service_on"] for device in shop.devices)


def test_order_status_is_the_last_event_of_its_history(shop: DemoShop) -> None:
    history = _by(shop.order_status_events, "order_id")
    for order in shop.orders:
        events = history[order["id"]]
        assert [event["occurred_at"] for event in events] == sorted(event["occurred_at"] for event in events)
        assert events[0]["status"] == "placed"
        assert order["status"] == events[-1]["status"]


def test_nothing_happens_after_as_of(shop: DemoShop) -> None:
    moments = [
        value for rows in shop.tables().values() for row in rows for value in row.values()
        if isinstance(value, datetime)
    ]  # fmt: skip
    assert len(moments) > 1000
    assert all(moment.tzinfo is not None and moment <= AS_OF for moment in moments)
    assert all(device["purchased_on"] <= AS_OF.date() for device in shop.devices)


def test_every_paid_order_has_an_invoice_for_the_sum_of_its_lines(shop: DemoShop) -> None:
    lines = _by(shop.order_lines, "order_id")
    invoices = _by(shop.invoices, "order_id")
    paid = {event["order_id"] for event in shop.order_status_events if event["status"] == "paid"}
    assert paid
    for order in shop.orders:
        if order["id"] not in paid:
            assert order["id"] not in invoices
            continue
        (invoice,) = invoices[order["id"]]
        total = sum((line["quantity"] * line["unit_price"] for line in lines[order["id"]]), Decimal("0"))
        assert invoice["amount"] == total
        assert invoice["number"] == f"INV-{order['number']}"


def test_order_numbers_are_unique_seven_digits_and_grow_with_time(shop: DemoShop) -> None:
    numbers = [row["number"] for row in shop.orders]
    assert len(set(numbers)) == len(numbers)
    assert all(len(number) == 7 and number.isdigit() for number in numbers)
    by_time = [
        row["number"] for row in sorted(shop.orders, key=lambda row: (row["placed_at"], int(row["number"])))
    ]
    assert by_time == sorted(numbers, key=int)


def test_late_deliveries_bring_lower_ratings_and_more_complaints(full_shop: DemoShop) -> None:
    history = _by(full_shop.order_status_events, "order_id")
    late_orders = {
        order["id"] for order in full_shop.orders
        for event in history[order["id"]]
        if event["status"] == "delivered" and event["occurred_at"].date() > order["promised_delivery_on"]
    }  # fmt: skip
    ratings = _by(full_shop.reviews, "order_id")
    late_ratings = [review["rating"] for order in late_orders for review in ratings.get(order, [])]
    other_ratings = [review["rating"] for order, reviews in ratings.items() if order not in late_orders
                     for review in reviews]  # fmt: skip
    assert statistics.mean(late_ratings) < statistics.mean(other_ratings) - 0.5
    complained = {case["order_id"] for case in full_shop.support_cases if case["kind"] == "complaint"}
    late_share = len(complained & late_orders) / len(late_orders)
    other_share = len(complained - late_orders) / (len(full_shop.orders) - len(late_orders))
    assert late_share > 5 * other_share
    assert {"late delivery", "damaged item", "wrong item", "refund delay"} <= {
        case["topic"] for case in full_shop.support_cases
    }


def test_support_cases_are_numbered_and_only_recent_ones_are_open(shop: DemoShop) -> None:
    cases = shop.support_cases
    assert cases and len({case["number"] for case in cases}) == len(cases)
    assert all(case["number"].startswith("CS-") and len(case["number"]) == 9 for case in cases)
    for case in cases:
        assert (case["status"] == "closed") == (case["closed_at"] is not None)
        if case["closed_at"]:
            assert case["opened_at"] < case["closed_at"]


@pytest.mark.parametrize("seed", [1, 7, 12345])
def test_c00001_has_a_coffee_machine_due_for_service_and_a_parcel_on_its_way(seed: int) -> None:
    shop = generate_shop(seed=seed, as_of=AS_OF, customers=3)
    (customer,) = [row for row in shop.customers if row["external_ref"] == SHOWCASE_REF]
    products = {row["id"]: row for row in shop.products}
    orders = sorted(
        (row for row in shop.orders if row["customer_id"] == customer["id"]), key=lambda row: row["placed_at"]
    )
    latest = orders[-1]
    assert latest["status"] == "shipped"
    assert latest["carrier"] and latest["tracking_number"]
    assert latest["promised_delivery_on"] >= AS_OF.date()
    own = {row["id"] for row in orders}
    capsule_orders = {
        line["order_id"] for line in shop.order_lines
        if line["order_id"] in own and products[line["product_id"]]["sku"] == "CAP-50"
    }  # fmt: skip
    assert len(capsule_orders) >= 10
    (machine,) = [row for row in shop.devices if row["customer_id"] == customer["id"]]
    assert products[machine["product_id"]]["sku"] == "CM-100"
    due = machine["purchased_on"] + timedelta(days=products[machine["product_id"]]["service_interval_days"])
    assert machine["last_service_on"] is None
    assert AS_OF.date() < due <= AS_OF.date() + timedelta(days=30)


def test_c00001_is_the_same_whatever_the_seed() -> None:
    one, other = (generate_shop(seed=seed, as_of=AS_OF, customers=1) for seed in (1, 2))
    assert dataclasses.replace(one, seed=2) == other


def test_rows_use_the_tables_column_names(shop: DemoShop) -> None:
    for name, rows in shop.tables().items():
        table = Base.metadata.tables[name]
        required = {column.name for column in table.columns if not column.nullable and not column.primary_key}
        for row in rows[:50]:
            assert set(row) <= set(table.columns.keys()), name
            assert required <= set(row), name
