"""Product questions: what fits my device, what does it cost."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from crm.models import Product, ProductKind
from crm.repositories.devices import DeviceRepository, ProductRepository
from crm.uow import UnitOfWork

# Words that say nothing about which product is meant.
_FILLER = {"the", "a", "an", "for", "my", "of", "and", "pack", "packs", "some"}


@dataclass(frozen=True)
class ProductView:
    name: str
    price: Decimal
    kind: ProductKind
    # For consumables: the device they fit.
    fits: str | None


@dataclass(frozen=True)
class DeviceSupplies:
    device: str
    consumables: tuple[ProductView, ...]


@dataclass(frozen=True)
class CatalogAnswer:
    # Products the question named (empty when it named none, or none matched).
    matches: tuple[ProductView, ...]
    # The customer's own devices and what fits them (empty for visitors).
    supplies: tuple[DeviceSupplies, ...]
    categories: tuple[str, ...]
    # Whether the named product fits one of the customer's devices (None: not applicable).
    fits_own_device: bool | None


def search_words(query: str) -> list[str]:
    """Lower-case words worth matching; plural "s" dropped so "capsules" finds "capsule"."""
    words = [w for w in re.findall(r"[a-z0-9]+", query.lower()) if w not in _FILLER and len(w) > 1]
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words]


def product_answer(uow: UnitOfWork, customer_id: int | None, query: str | None) -> CatalogAnswer:
    """Answers from the catalogue; personal only for an identified customer (`customer_id`)."""
    with uow:
        products = ProductRepository(uow.session)
        owned = list(DeviceRepository(uow.session).for_customer(customer_id)) if customer_id else []
        device_products = {product.id: product for _, product in owned}
        consumables = products.consumables_for(list(device_products))
        supplies = tuple(
            DeviceSupplies(
                device=device.name,
                consumables=tuple(
                    _view(item, device.name) for item in consumables if item.for_product_id == device.id
                ),
            )
            for device in device_products.values()
        )
        matches: list[Product] = list(products.matching(search_words(query))) if query else []
        # "capsules" also matches the "capsule coffee machine": people asking by a consumable's
        # name mean the consumable.
        if any(item.kind is ProductKind.CONSUMABLE for item in matches):
            matches = [item for item in matches if item.kind is ProductKind.CONSUMABLE]
        names = _device_names(products, matches)
        fits = None
        if matches and customer_id is not None:
            fits = any(item.for_product_id in device_products for item in matches)
        return CatalogAnswer(
            matches=tuple(_view(item, names.get(item.for_product_id or 0)) for item in matches),
            supplies=supplies,
            categories=tuple(products.categories()),
            fits_own_device=fits,
        )


def _device_names(products: ProductRepository, items: list[Product]) -> dict[int, str]:
    ids = [item.for_product_id for item in items if item.for_product_id]
    return {product.id: product.name for product in products.by_ids(ids)}


def _view(product: Product, fits: str | None) -> ProductView:
    return ProductView(name=product.name, price=product.price, kind=product.kind, fits=fits)
