"""Reordering what a customer uses up: find their usual consumable, and order it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from crm.models import Order, OrderLine, OrderStatus, OrderStatusEvent, ProductKind
from crm.services.errors import UnknownCustomer
from crm.uow import UnitOfWork

FIRST_SHOP_NUMBER = 1_000_001
MAX_REORDER_QUANTITY = 20
# Two reorders racing for the same next number: one wins, the other retries with the next one.
NUMBER_ATTEMPTS = 3


@dataclass(frozen=True)
class UsualConsumable:
    product_id: int
    sku: str
    name: str
    unit_price: Decimal  # today's price, which a reorder pays
    currency: str
    last_quantity: int
    times_bought: int
    last_bought_at: datetime

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.last_quantity


@dataclass(frozen=True)
class ReorderResult:
    number: str
    status: OrderStatus
    item: str
    total: Decimal
    currency: str


class ReorderRefused(ValueError):
    """The product cannot be reordered this way (not a consumable, or a silly quantity)."""


def usual_consumables(uow: UnitOfWork, customer_id: int) -> tuple[UsualConsumable, ...]:
    """The consumables the customer buys, most often bought first (ties: most recently bought)."""
    with uow:
        seen: dict[int, UsualConsumable] = {}
        for product, quantity, placed_at, currency in uow.orders.consumable_lines(customer_id):
            before = seen.get(product.id)
            seen[product.id] = UsualConsumable(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                unit_price=product.price,
                currency=currency,
                last_quantity=quantity,  # rows come oldest first, so the last one wins
                times_bought=(before.times_bought if before else 0) + 1,
                last_bought_at=placed_at,
            )
        return tuple(sorted(seen.values(), key=lambda u: (u.times_bought, u.last_bought_at), reverse=True))


def reorder(
    uow: UnitOfWork, customer_id: int, product_id: int, quantity: int, now: datetime
) -> ReorderResult:
    """Places a new, unpaid order for `quantity` of a consumable, shipped where the last order went.

    The number is the next free seven-digit order number; a clash with a concurrent order is
    retried, so two reorders never share a number.
    """
    if not 1 <= quantity <= MAX_REORDER_QUANTITY:
        raise ReorderRefused(f"quantity {quantity} is outside 1..{MAX_REORDER_QUANTITY}")
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            return _place(uow, customer_id, product_id, quantity, now)
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _place(uow: UnitOfWork, customer_id: int, product_id: int, quantity: int, now: datetime) -> ReorderResult:
    with uow:
        product = uow.orders.product(product_id)
        if product is None or product.kind is not ProductKind.CONSUMABLE:
            raise ReorderRefused(f"product {product_id} is not a consumable")
        customer = uow.orders.customer(customer_id)
        if customer is None:
            raise UnknownCustomer(f"no customer {customer_id}")
        last = uow.orders.latest_for(customer_id)
        highest = uow.orders.highest_shop_number()
        order = Order(
            number=str(int(highest) + 1 if highest else FIRST_SHOP_NUMBER),
            customer_id=customer_id,
            placed_at=now,
            status=OrderStatus.PLACED,
            currency=last.currency if last else "EUR",
            ship_country=last.ship_country if last else customer.country,
            ship_city=last.ship_city if last else customer.city,
        )
        order.lines.append(OrderLine(product_id=product.id, quantity=quantity, unit_price=product.price))
        order.history.append(
            OrderStatusEvent(status=OrderStatus.PLACED, occurred_at=now, note="Reordered in chat")
        )
        uow.orders.add(order)
        result = ReorderResult(
            number=order.number,
            status=order.status,
            item=f"{quantity} x {product.name}",
            total=product.price * quantity,
            currency=order.currency,
        )
        uow.commit()
        return result
