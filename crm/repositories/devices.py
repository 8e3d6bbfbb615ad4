"""Devices customers own, and the catalogue they draw consumables and services from."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm.models import Device, OrderLine, Product, ProductKind


class DeviceRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def for_customer(self, customer_id: int) -> Sequence[tuple[Device, Product]]:
        """The customer's devices with their catalogue entry, oldest purchase first."""
        rows = self._session.execute(
            select(Device, Product)
            .join(Product, Product.id == Device.product_id)
            .where(Device.customer_id == customer_id)
            .order_by(Device.purchased_on, Device.id)
        )
        return [(device, product) for device, product in rows]


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def consumables_for(self, device_product_ids: Sequence[int]) -> Sequence[Product]:
        if not device_product_ids:
            return []
        return self._session.scalars(
            select(Product)
            .where(Product.for_product_id.in_(device_product_ids), Product.kind == ProductKind.CONSUMABLE)
            .order_by(Product.for_product_id, Product.name)
        ).all()

    def matching(self, words: Sequence[str], limit: int = 5) -> Sequence[Product]:
        """Products whose name or category contains every word (case-insensitive)."""
        query = select(Product)
        for word in words:
            pattern = f"%{word.lower()}%"
            query = query.where(or_(Product.name.ilike(pattern), Product.category.ilike(pattern)))
        return self._session.scalars(query.order_by(Product.kind, Product.name).limit(limit)).all()

    def by_id(self, product_id: int) -> Product | None:
        return self._session.get(Product, product_id)

    def popularity(self) -> dict[int, int]:
        """Units sold per product (credit lines excluded): what "popular" means in suggestions."""
        rows = self._session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.quantity))
            .where(OrderLine.quantity > 0)
            .group_by(OrderLine.product_id)
        )
        return {product_id: int(units or 0) for product_id, units in rows}

    def all(self) -> Sequence[Product]:
        return self._session.scalars(select(Product).order_by(Product.id)).all()

    def by_ids(self, product_ids: Sequence[int]) -> Sequence[Product]:
        if not product_ids:
            return []
        return self._session.scalars(select(Product).where(Product.id.in_(product_ids))).all()

    def categories(self) -> Sequence[str]:
        return self._session.scalars(select(Product.category).distinct().order_by(Product.category)).all()

    def of_kind_in_category(self, kind: ProductKind, category: str) -> Sequence[Product]:
        return self._session.scalars(
            select(Product).where(Product.kind == kind, Product.category == category).order_by(Product.id)
        ).all()
