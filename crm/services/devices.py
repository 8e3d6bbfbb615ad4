"""Devices customers own: when they want servicing, warranty, booking a service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from crm.models import CaseKind, Channel, Device, Product, ProductKind
from crm.repositories.devices import ProductRepository
from crm.services.cases import CaseView, open_case
from crm.uow import UnitOfWork


@dataclass(frozen=True)
class DeviceServiceView:
    product_id: int
    name: str
    serial: str
    purchased_on: date
    last_service_on: date | None
    # None for devices that need no scheduled service (printers).
    next_service_on: date | None
    warranty_ends_on: date
    service_name: str | None
    service_price: Decimal | None

    def days_until_service(self, today: date) -> int | None:
        """Negative when overdue."""
        return (self.next_service_on - today).days if self.next_service_on else None


class NoDevice(LookupError):
    """The customer owns no device with that serial (or none that is serviced)."""


def service_status(uow: UnitOfWork, customer_id: int) -> tuple[DeviceServiceView, ...]:
    """Every device of the customer, the one due soonest first (unserviced ones last)."""
    with uow:
        products = uow.products
        views = [
            _view(device, product, _service_product(products, product))
            for device, product in uow.devices.for_customer(customer_id)
        ]
    return tuple(sorted(views, key=lambda v: (v.next_service_on is None, v.next_service_on or date.max)))


def owned_products(uow: UnitOfWork, customer_id: int) -> tuple[int, ...]:
    """The catalogue ids of the customer's devices (what "the machine" can mean)."""
    with uow:
        return tuple(product.id for _, product in uow.devices.for_customer(customer_id))


def book_service(
    uow: UnitOfWork,
    customer_id: int,
    serial: str,
    now: datetime,
    *,
    preferred_time: str | None = None,
    conversation_id: str | None = None,
    channel: Channel | None = None,
) -> CaseView:
    """Asks the service team to arrange a visit: an open case they work from.

    A case rather than an order, because a date and a price confirmation need a person; the
    team turns it into a service order once the customer agrees a slot.
    """
    device = next((v for v in service_status(uow, customer_id) if v.serial == serial), None)
    if device is None or device.next_service_on is None:
        raise NoDevice(serial)
    description = (
        f"Please book a service ({device.service_name or 'service'}) for {device.name}, serial "
        f"{device.serial}; due {device.next_service_on.isoformat()}. Requested in chat."
        + (f" Customer prefers: {preferred_time}." if preferred_time else "")
    )
    return open_case(
        uow,
        customer_id,
        CaseKind.QUESTION,
        "service booking",
        description,
        now,
        conversation_id=conversation_id,
        channel=channel,
    )


def _service_product(products: ProductRepository, device: Product) -> Product | None:
    if not device.service_interval_days:
        return None
    return next(iter(products.of_kind_in_category(ProductKind.SERVICE, device.category)), None)


def next_service_on(
    purchased_on: date, last_service_on: date | None, interval_days: int | None
) -> date | None:
    """The schedule's rule: one interval after the last service, or after purchase if never serviced.

    Shared with the proactive engine's maintenance predictor, so chat and reminders agree.
    """
    if not interval_days:
        return None
    return (last_service_on or purchased_on) + timedelta(days=interval_days)


def _view(device: Device, product: Product, service: Product | None) -> DeviceServiceView:
    return DeviceServiceView(
        product_id=product.id,
        name=product.name,
        serial=device.serial,
        purchased_on=device.purchased_on,
        last_service_on=device.last_service_on,
        next_service_on=next_service_on(
            device.purchased_on, device.last_service_on, product.service_interval_days
        ),
        warranty_ends_on=device.warranty_ends_on,
        service_name=service.name if service else None,
        service_price=service.price if service else None,
    )
