"""A deterministic demo shop: two years of customers, orders, devices, reviews and cases.

`generate_shop` is pure: one `random.Random(seed)` and the given `as_of` decide everything, so
tests, screenshots and benchmarks can rely on the same shop. Rows carry placeholder keys in
`id` (and in foreign-key columns); `crm.demo.writer` swaps them for database ids.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from crm.demo import contacts, feedback, purchases
from crm.demo.catalog import product_rows
from crm.demo.feedback import OrderFacts
from crm.demo.fulfilment import Fulfilment, fulfil
from crm.demo.people import Person, make_person
from crm.demo.purchases import CustomerPlan, CustomerTruth, PlannedDevice, PlannedOrder
from crm.demo.showcase import (
    SHOWCASE_CUSTOMER,
    SHOWCASE_PERSON,
    SHOWCASE_PREFERENCES,
    plan_showcase,
    showcase_review,
)
from crm.models.enums import OrderStatus

Row = dict[str, Any]
FIRST_ORDER_NUMBER = 1_000_001
FIRST_CASE_NUMBER = 100_001
CURRENCY = "EUR"
WARRANTY_YEARS = 2


@dataclass(frozen=True)
class DemoShop:
    """Plain rows for every table, keyed by column name, in insert order.

    `id` values and foreign keys are placeholders local to this shop (1, 2, 3, ... per table);
    `communication_preferences` has no `id` of its own. `truth` holds, per external ref, the
    hidden habits that produced each customer's history, for checking predictors; it is not stored.
    """

    seed: int
    as_of: datetime
    products: list[Row]
    customers: list[Row]
    channel_identities: list[Row]
    communication_preferences: list[Row]
    consents: list[Row]
    orders: list[Row]
    order_lines: list[Row]
    order_status_events: list[Row]
    invoices: list[Row]
    devices: list[Row]
    reviews: list[Row]
    support_cases: list[Row]
    truth: dict[str, CustomerTruth]

    def tables(self) -> dict[str, list[Row]]:
        """Table name -> rows, parents before children."""
        return {
            "products": self.products,
            "customers": self.customers,
            "channel_identities": self.channel_identities,
            "communication_preferences": self.communication_preferences,
            "consents": self.consents,
            "orders": self.orders,
            "order_lines": self.order_lines,
            "order_status_events": self.order_status_events,
            "invoices": self.invoices,
            "devices": self.devices,
            "reviews": self.reviews,
            "support_cases": self.support_cases,
        }

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables().items()}


def generate_shop(*, seed: int, as_of: datetime, customers: int = 2000) -> DemoShop:
    """Generates the demo shop as it looks at `as_of`, with two years of history before it.

    Raises:
        ValueError: `as_of` is naive, or `customers` is below 1.
    """
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of must be timezone-aware, got {as_of!r}")
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    builder = _ShopBuilder(random.Random(seed), as_of.astimezone(UTC))
    for number in range(1, customers + 1):
        builder.add_customer(number)
    builder.add_orders()
    return builder.build(seed)


def _two_years_later(day: date) -> date:
    try:
        return day.replace(year=day.year + WARRANTY_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + WARRANTY_YEARS, day=28)


class _ShopBuilder:
    def __init__(self, rng: random.Random, as_of: datetime) -> None:
        self.rng = rng
        self.as_of = as_of
        self.products = product_rows()
        self.product_keys = {row["sku"]: row["id"] for row in self.products}
        self.chat_ids = contacts.ChatIds()
        self.people: dict[int, Person] = {}
        self.plans: dict[int, CustomerPlan] = {}
        self.tables: dict[str, list[Row]] = {
            name: []
            for name in (
                "customers", "channel_identities", "communication_preferences", "consents", "orders",
                "order_lines", "order_status_events", "invoices", "devices", "reviews", "support_cases",
            )
        }  # fmt: skip

    def _append(self, table: str, row: Row) -> Row:
        rows = self.tables[table]
        if table != "communication_preferences":
            row = {"id": len(rows) + 1, **row}
        rows.append(row)
        return row

    def add_customer(self, number: int) -> None:
        rng, as_of = self.rng, self.as_of
        showcase = number == SHOWCASE_CUSTOMER
        if showcase:
            person = SHOWCASE_PERSON
            created_at, plan = plan_showcase(as_of)
            preferences: Row = dict(SHOWCASE_PREFERENCES)
        else:
            person = make_person(rng)
            created_at = purchases.signup_moment(rng, as_of, person.utc_offset_hours)
            plan = purchases.plan_customer(rng, number, created_at, as_of, person.utc_offset_hours)
            preferences = contacts.random_preferences(rng)
        customer = contacts.customer_row(rng, number, person, created_at)
        self.tables["customers"].append(customer)
        self.people[number] = person
        self.plans[number] = plan
        preferred = preferences["preferred_channel"]
        self._append("communication_preferences", {"customer_id": number, **preferences})
        for row in contacts.identities(rng, self.chat_ids, customer, preferred, as_of):
            self._append("channel_identities", row)
        for row in contacts.consents(rng, customer, preferred, as_of, sure=showcase):
            self._append("consents", row)
        if not showcase and (question := feedback.question_for(rng, number, created_at, as_of)):
            self.tables["support_cases"].append(question)

    def add_orders(self) -> None:
        """Numbers all orders in time order, lives them out, then derives devices and feedback."""
        planned = [
            (order.placed_at, number, index, order)
            for number, plan in self.plans.items()
            for index, order in enumerate(plan.orders)
        ]
        planned.sort(key=lambda entry: entry[:3])
        order_keys: dict[int, int] = {}
        facts: list[OrderFacts] = []
        for _, number, _, order in planned:
            fulfilment = order.fixed or fulfil(
                self.rng, order, self.people[number].country, self.people[number].utc_offset_hours, self.as_of
            )
            row = self._order_rows(order, fulfilment)
            order_keys[id(order)] = row["id"]
            main = order.lines[0][0]
            facts.append(
                OrderFacts(row["id"], row["number"], number, self.product_keys[main.sku], main.name,
                           order.purpose, fulfilment)
            )  # fmt: skip
            if order.serviced_device and fulfilment.status is OrderStatus.DELIVERED:
                serviced_at = fulfilment.when(OrderStatus.DELIVERED)
                assert serviced_at is not None
                order.serviced_device.last_service_on = serviced_at.date()
        for plan in self.plans.values():
            for device in plan.devices:
                self._device_row(device, order_keys[id(device.order)])
        self._feedback(facts)

    def _order_rows(self, order: PlannedOrder, fulfilment: Fulfilment) -> Row:
        person = self.people[order.customer]
        key = len(self.tables["orders"]) + 1
        number = str(FIRST_ORDER_NUMBER + key - 1)
        row = self._append(
            "orders",
            {
                "number": number,
                "customer_id": order.customer,
                "placed_at": order.placed_at,
                "status": fulfilment.status,
                "currency": CURRENCY,
                "ship_country": person.country,
                "ship_city": person.city,
                "carrier": fulfilment.carrier,
                "tracking_number": fulfilment.tracking_number,
                "promised_delivery_on": fulfilment.promised_on,
            },
        )
        total = Decimal("0.00")
        for item, quantity in order.lines:
            self._append(
                "order_lines",
                {"order_id": key, "product_id": self.product_keys[item.sku], "quantity": quantity,
                 "unit_price": item.price},
            )  # fmt: skip
            total += item.price * quantity
        for status, occurred_at, note in fulfilment.events:
            self._append(
                "order_status_events",
                {"order_id": key, "status": status, "occurred_at": occurred_at, "note": note},
            )
        paid_at = fulfilment.when(OrderStatus.PAID)
        if paid_at is not None:
            self._append(
                "invoices",
                {"number": f"INV-{number}", "order_id": key, "issued_at": paid_at, "amount": total},
            )
        return row

    def _device_row(self, device: PlannedDevice, order_key: int) -> None:
        purchased_on = device.order.placed_at.date()
        key = len(self.tables["devices"]) + 1
        self._append(
            "devices",
            {
                "customer_id": device.customer,
                "product_id": self.product_keys[device.item.sku],
                "order_id": order_key,
                # Unique by construction: model, purchase month, running number.
                "serial": f"{device.item.sku.replace('-', '')}{purchased_on:%y%m}{key:06d}",
                "purchased_on": purchased_on,
                "last_service_on": device.last_service_on,
                "warranty_ends_on": _two_years_later(purchased_on),
            },
        )

    def _feedback(self, facts: list[OrderFacts]) -> None:
        for order in facts:
            if order.customer == SHOWCASE_CUSTOMER:
                continue  # C00001's story is scripted; random complaints would spoil it.
            review = feedback.review_for(self.rng, order, self.as_of)
            if review:
                self._append("reviews", review)
            self.tables["support_cases"].extend(feedback.complaints_for(self.rng, order, review, self.as_of))
        showcase_machine = next((order for order in facts if order.customer == SHOWCASE_CUSTOMER), None)
        if showcase_machine is not None:
            delivered = showcase_machine.fulfilment.when(OrderStatus.DELIVERED)
            assert delivered is not None
            self._append(
                "reviews", showcase_review(showcase_machine.key, showcase_machine.product, delivered)
            )
        # Case numbers follow opening order, like a real ticket system's.
        cases = sorted(
            self.tables["support_cases"],
            key=lambda case: (case["opened_at"], case["customer_id"], case["order_id"] or 0),
        )
        self.tables["support_cases"] = [
            {"id": index, "number": f"CS-{FIRST_CASE_NUMBER + index - 1}", **case}
            for index, case in enumerate(cases, start=1)
        ]

    def build(self, seed: int) -> DemoShop:
        tables = self.tables
        return DemoShop(
            seed=seed,
            as_of=self.as_of,
            products=self.products,
            customers=tables["customers"],
            channel_identities=tables["channel_identities"],
            communication_preferences=tables["communication_preferences"],
            consents=tables["consents"],
            orders=tables["orders"],
            order_lines=tables["order_lines"],
            order_status_events=tables["order_status_events"],
            invoices=tables["invoices"],
            devices=tables["devices"],
            reviews=tables["reviews"],
            support_cases=tables["support_cases"],
            truth={contacts.external_ref(number): plan.truth for number, plan in self.plans.items()},
        )
