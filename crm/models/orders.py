"""Orders with their lines, status history and invoices; devices customers own."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, str_enum
from crm.models.catalog import Product
from crm.models.enums import OrderStatus


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_placed", "customer_id", "placed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # NULL for guest checkouts (the imported retail data has many).
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    placed_at: Mapped[datetime]
    # The newest entry of the status history, kept here so lists need no join; the history is
    # the record, and services change both in one transaction.
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "order_status"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    ship_country: Mapped[str] = mapped_column(String(64))
    ship_city: Mapped[str | None] = mapped_column(String(80))
    carrier: Mapped[str | None] = mapped_column(String(40))
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    promised_delivery_on: Mapped[date | None]

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id")
    history: Mapped[list[OrderStatusEvent]] = relationship(
        back_populates="order", order_by="OrderStatusEvent.occurred_at"
    )
    invoices: Mapped[list[Invoice]] = relationship(back_populates="order", order_by="Invoice.issued_at")


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    # Negative on credit lines (the retail data's cancellation invoices), so sums net out.
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class OrderStatusEvent(Base):
    __tablename__ = "order_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "order_status"))
    occurred_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(String(200))

    order: Mapped[Order] = relationship(back_populates="history")


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    order: Mapped[Order] = relationship(back_populates="invoices")


class Device(Base):
    """A device a customer owns, for service reminders and warranty questions."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    purchased_on: Mapped[date]
    last_service_on: Mapped[date | None]
    warranty_ends_on: Mapped[date]
