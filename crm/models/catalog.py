"""What the shop sells: devices, the consumables they use up, and services."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, str_enum
from crm.models.enums import ProductKind


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("use_up_days IS NULL OR use_up_days > 0", name="use_up_days_positive"),
        CheckConstraint(
            "service_interval_days IS NULL OR service_interval_days > 0", name="service_interval_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(60), index=True)
    kind: Mapped[ProductKind] = mapped_column(str_enum(ProductKind, "product_kind"))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # Consumables: how long one unit typically lasts, and the device it is for.
    use_up_days: Mapped[int | None]
    for_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    # Devices: how often they want servicing.
    service_interval_days: Mapped[int | None]
