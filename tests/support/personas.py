"""Demo customers with the history a scenario needs, found in the seeded store.

Each persona is a query: every customer that fits, with the facts a scenario's expectations
refer to (`{order}`, `{first_name}`, `{product}` ...). The allocator hands each scenario its
own customer, so one scenario's changes never show up in another's answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from crm.models import (
    CaseKind,
    Channel,
    CommunicationPreferences,
    Customer,
    Device,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductKind,
    SupportCase,
)
from crm.repositories.cases import ACTIVE_STATUSES
from crm.services.replenishment import usual_consumables
from crm.uow import UnitOfWork

Facts = dict[str, str]
# The proactive personas count down from here; test_proactive_engine.py and
# test_proactive_answers.py use the customers above.
LAST_PROACTIVE = "C00250"
_CHANGEABLE = (OrderStatus.PLACED, OrderStatus.PAID)
# The word a customer would use for a product ("the capsules"), by SKU prefix.
_SHORT_NAMES = {
    "CAP": "capsules",
    "DSC": "descaler",
    "BEAN": "beans",
    "CMF": "water filter",
    "WFC": "filter cartridges",
    "BAG": "dust bags",
    "VF": "motor filter",
    "BR": "side brushes",
    "RVF": "HEPA filters",
    "INK": "ink",
    "TON": "toner",
    "HEPA": "HEPA filter",
    "CARB": "carbon filter",
    "ACC-MF": "milk frother",
    "ACC-CUP": "espresso cups",
    "ACC-PAP": "printer paper",
    "ACC-CLN": "cleaning cloths",
    "CM-100": "coffee machine",
    "CM-300": "coffee machine",
    "WJ": "filter jug",
    "VC": "vacuum",
    "RV": "robot vacuum",
    "PR-20": "printer",
    "PR-40": "printer",
    "AP": "air purifier",
}


def short_name(sku: str) -> str:
    for prefix in sorted(_SHORT_NAMES, key=len, reverse=True):
        if sku.startswith(prefix):
            return _SHORT_NAMES[prefix]
    return sku.lower()


def _orders(session: Session, customer_id: int) -> list[Order]:
    return list(
        session.scalars(
            select(Order)
            .where(Order.customer_id == customer_id)
            .options(selectinload(Order.lines).selectinload(OrderLine.product), selectinload(Order.history))
            .order_by(Order.placed_at.desc(), Order.id.desc())
        )
    )


def _base(customer: Customer) -> Facts:
    return {
        "ref": customer.external_ref,
        "first_name": customer.name.split()[0],
        "email": customer.email or "",
    }


def _order_facts(order: Order, prefix: str = "") -> Facts:
    first = order.lines[0]
    return {
        f"{prefix}order": order.number,
        f"{prefix}product": short_name(first.product.sku),
        f"{prefix}product_name": first.product.name,
        f"{prefix}lines": str(len(order.lines)),
    }


def _delivered_on(order: Order) -> date | None:
    moment = next((e.occurred_at for e in reversed(order.history) if e.status is OrderStatus.DELIVERED), None)
    return moment.date() if moment else None


class Personas:
    def __init__(self, store: Engine, now: datetime) -> None:
        self.store, self.now = store, now
        self._queries: dict[str, Callable[[Session, Customer, list[Order]], Facts | None]] = {
            "customer": self._any,
            "showcase": self._showcase,
            "changeable": self._changeable,
            "two_changeable": self._two_changeable,
            "shipped": self._shipped,
            "late": self._late,
            "delivered": self._delivered,
            "delivered_multi": self._delivered_multi,
            "delivered_old": self._delivered_old,
            "device": self._device,
            "consumer": self._consumer,
            "refund_pending": self._refund_pending,
            "refunded": self._refunded,
            "no_orders": self._no_orders,
            # Answering proactive messages: taken from the end of the customer list (below the
            # customers test_proactive_answers.py uses), so the other personas' customers stay as
            # they were; reachable, so that "less often" and "by email instead" change something.
            "proactive_consumer": self._proactive_consumer,
            "proactive_device": self._device,
            "proactive_late": self._late,
        }
        self._used: dict[str, set[str]] = {}

    @property
    def names(self) -> list[str]:
        return sorted([*self._queries, "visitor"])

    def allocate(self, persona: str) -> Facts:
        """The next customer fitting `persona` that no scenario has had; reused when all have been."""
        if persona == "visitor":
            facts = self.allocate("delivered")
            return {**facts, "visitor": "yes"}
        used = self._used.setdefault(persona, set())
        candidates = list(self._candidates(persona))
        if not candidates:
            raise LookupError(f"no demo customer fits the persona {persona!r}")
        # A customer no scenario has had, under any persona (a handoff or case left open by one
        # scenario must not meet another), else one this persona has not had, else round robin.
        taken = set().union(*self._used.values())
        fresh = [c for c in candidates if c["ref"] not in taken] or [
            c for c in candidates if c["ref"] not in used
        ]
        facts = fresh[0] if fresh else candidates[len(used) % len(candidates)]
        used.add(facts["ref"])
        return facts

    def _candidates(self, persona: str) -> Iterator[Facts]:
        query = self._queries[persona]
        with Session(self.store) as session:
            if persona == "proactive_late":
                # The late deliveries are a handful of seeded situations: the last of them.
                customers = session.scalars(select(Customer).order_by(Customer.id.desc())).all()
            elif persona.startswith("proactive_"):
                customers = session.scalars(
                    select(Customer)
                    .where(Customer.external_ref <= LAST_PROACTIVE)
                    .order_by(Customer.id.desc())
                ).all()
            else:
                customers = session.scalars(select(Customer).order_by(Customer.id)).all()
            # Other test modules share the system: a customer they left with a handoff case (waiting,
            # taken, or handed back open) is "already in the queue" for any scenario.
            waiting = set(
                session.scalars(
                    select(SupportCase.customer_id).where(
                        SupportCase.kind == CaseKind.HANDOFF,
                        SupportCase.status.in_(ACTIVE_STATUSES),
                    )
                )
            )
            for customer in customers:
                if customer.external_ref == "C00001" and persona != "showcase":
                    continue  # the README's walkthrough customer stays as the README says
                if customer.id in waiting:
                    continue
                facts = query(session, customer, _orders(session, customer.id))
                if facts is not None:
                    yield {**_base(customer), **facts}

    # --- the personas ----------------------------------------------------------------------
    def _any(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        return _order_facts(orders[0]) if orders else None

    def _showcase(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        return _order_facts(orders[0]) if customer.external_ref == "C00001" else None

    def _changeable(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        changeable = [o for o in orders if o.status in _CHANGEABLE]
        if len(changeable) != 1 or orders[0] is not changeable[0]:
            return None
        return {**_order_facts(changeable[0]), "status": changeable[0].status.value}

    def _two_changeable(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        changeable = [o for o in orders if o.status in _CHANGEABLE]
        if len(changeable) < 2:
            return None
        return {
            **_order_facts(changeable[0]),
            **_order_facts(changeable[1], "other_"),
            "status": changeable[0].status.value,
            "other_status": changeable[1].status.value,
        }

    def _shipped(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        if not orders or orders[0].status is not OrderStatus.SHIPPED:
            return None
        promised = orders[0].promised_delivery_on
        if promised is None or promised < self.now.date():
            return None
        return {
            **_order_facts(orders[0]),
            "carrier": orders[0].carrier or "",
            "tracking": orders[0].tracking_number or "",
        }

    def _late(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        late = [
            o
            for o in orders
            if o.status is OrderStatus.SHIPPED
            and o.promised_delivery_on
            and o.promised_delivery_on < self.now.date()
        ]
        if not late or orders[0] is not late[0]:
            return None
        return {**_order_facts(late[0]), "carrier": late[0].carrier or ""}

    def _delivered(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        if not orders or orders[0].status is not OrderStatus.DELIVERED or len(orders[0].lines) != 1:
            return None
        delivered = _delivered_on(orders[0])
        if delivered is None or (self.now.date() - delivered).days > 25:
            return None
        # "the ink" must name this order's product: no other product of the same kind in any order
        # (black and colour ink are both "the ink", and the assistant rightly asks which).
        product = orders[0].lines[0].product
        kind = short_name(product.sku)
        if any(
            short_name(ln.product.sku) == kind and ln.product_id != product.id
            for o in orders
            for ln in o.lines
        ):
            return None
        return {**_order_facts(orders[0]), "carrier": orders[0].carrier or ""}

    def _delivered_multi(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        if not orders or orders[0].status is not OrderStatus.DELIVERED or len(orders[0].lines) < 2:
            return None
        delivered = _delivered_on(orders[0])
        if delivered is None or (self.now.date() - delivered).days > 25:
            return None
        second = orders[0].lines[1].product
        return {
            **_order_facts(orders[0]),
            "second_product": short_name(second.sku),
            "second_name": second.name,
        }

    def _delivered_old(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        old = [
            o
            for o in orders
            if o.status is OrderStatus.DELIVERED
            and (_delivered_on(o) or self.now.date()) < self.now.date() - timedelta(days=45)
        ]
        if not old or orders[0].status is not OrderStatus.DELIVERED or orders[0] is old[0]:
            return None
        return _order_facts(old[0])

    def _device(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        rows = session.execute(
            select(Device, Product)
            .join(Product, Product.id == Device.product_id)
            .where(Device.customer_id == customer.id, Product.service_interval_days.is_not(None))
            .order_by(Device.id)
        ).all()
        if not rows or not orders:
            return None
        device, product = rows[0]
        if len(rows) > 1:
            return None  # "my vacuum" must name one machine: a robot and a bagged vacuum are both one
        return {
            "device": short_name(product.sku),
            "device_name": product.name,
            "serial": device.serial,
            **_order_facts(orders[0]),
        }

    def _consumer(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        usual = usual_consumables(UnitOfWork.for_engine(self.store), customer.id)
        if not usual or not orders:
            return None
        product = session.get(Product, usual[0].product_id)
        assert product is not None
        bought = {short_name(line.product.sku) for order in orders for line in order.lines}
        # A supply and a machine the customer never bought: asking to reorder, review or complain
        # about them has nothing of theirs to be about.
        other_supply = next((n for n in ("ink", "dust bags", "toner", "capsules") if n not in bought), None)
        never_bought = next((n for n in ("air purifier", "robot vacuum", "printer") if n not in bought), None)
        if other_supply is None or never_bought is None:
            return None
        return {
            "usual": short_name(product.sku),
            "other_supply": other_supply,
            "never_bought": never_bought,
            "usual_name": usual[0].name,
            "usual_id": str(usual[0].product_id),
            "quantity": str(usual[0].last_quantity),
            **_order_facts(orders[0]),
        }

    def _proactive_consumer(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        prefs = session.get(CommunicationPreferences, customer.id)
        if prefs is None or prefs.max_proactive_per_week < 2 or prefs.preferred_channel is not Channel.WEB:
            return None
        return self._consumer(session, customer, orders)

    def _refund_pending(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        pending = [o for o in orders if o.status is OrderStatus.RETURNED]
        return _order_facts(pending[0]) if pending else None

    def _refunded(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        done = [o for o in orders if o.status is OrderStatus.REFUNDED]
        return _order_facts(done[0]) if done else None

    def _no_orders(self, session: Session, customer: Customer, orders: list[Order]) -> Facts | None:
        return {} if not orders else None


def count_rows(store: Engine, model: Any, *criteria: Any) -> int:
    with Session(store) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0)


__all__ = ["Facts", "Personas", "ProductKind", "count_rows", "short_name"]
