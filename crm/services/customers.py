"""Who is talking to us."""

from __future__ import annotations

from dataclasses import dataclass

from crm.models import Channel, Customer
from crm.services.errors import UnknownCustomer
from crm.uow import UnitOfWork


@dataclass(frozen=True)
class CustomerView:
    id: int
    external_ref: str
    name: str
    time_zone: str
    language: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else ""


def identify_customer(uow: UnitOfWork, channel: Channel, external_id: str) -> CustomerView:
    """The customer linked to `external_id` on `channel`, or `UnknownCustomer`."""
    with uow:
        customer = uow.customers.by_identity(channel, external_id)
        if customer is None:
            raise UnknownCustomer(f"no linked customer for {channel.value} identity {external_id!r}")
        return customer_view(customer)


def customer_by_ref(uow: UnitOfWork, external_ref: str) -> CustomerView | None:
    """The customer with the shop's reference `external_ref` (a verified token's subject)."""
    with uow:
        customer = uow.customers.by_ref(external_ref)
        return customer_view(customer) if customer else None


def customer_view(customer: Customer) -> CustomerView:
    return CustomerView(
        id=customer.id,
        external_ref=customer.external_ref,
        name=customer.name,
        time_zone=customer.time_zone,
        language=customer.language,
    )


def first_customers(uow: UnitOfWork, limit: int = 12) -> tuple[CustomerView, ...]:
    """A few customers in reference order: the demo storefront's login offers them."""
    with uow:
        return tuple(customer_view(c) for c in uow.customers.first(limit))
