"""The demo shop's catalogue: home appliances, what they use up, and their services.

Plain data, so the generator and tests can reason about it without a database. Each consumable
fits exactly one device (`for_sku`), matching what `products.for_product_id` means in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crm.models.enums import ProductKind


@dataclass(frozen=True)
class CatalogItem:
    """One product the shop sells, in the shape the generator needs."""

    sku: str
    name: str
    category: str
    kind: ProductKind
    price: Decimal
    # Consumables: days one sold unit (a pack) typically lasts, and the device it fits.
    use_up_days: int | None = None
    for_sku: str | None = None
    # Devices: how often they want servicing, the service product, how often they are bought.
    service_interval_days: int | None = None
    service_sku: str | None = None
    popularity: int = 0


def _device(
    sku: str, name: str, category: str, price: str, *, popularity: int, service: tuple[int, str] | None = None
) -> CatalogItem:
    interval, service_sku = service if service else (None, None)
    return CatalogItem(
        sku,
        name,
        category,
        ProductKind.DEVICE,
        Decimal(price),
        service_interval_days=interval,
        service_sku=service_sku,
        popularity=popularity,
    )


def _consumable(sku: str, name: str, category: str, price: str, lasts: int, fits: str) -> CatalogItem:
    return CatalogItem(
        sku, name, category, ProductKind.CONSUMABLE, Decimal(price), use_up_days=lasts, for_sku=fits
    )


def _service(sku: str, name: str, category: str, price: str) -> CatalogItem:
    return CatalogItem(sku, name, category, ProductKind.SERVICE, Decimal(price))


def _other(sku: str, name: str, category: str, price: str) -> CatalogItem:
    return CatalogItem(sku, name, category, ProductKind.OTHER, Decimal(price))


# Devices come first: the writer inserts them before the consumables that point at them.
CATALOG: tuple[CatalogItem, ...] = (
    _device(
        "CM-100", "Barista Compact capsule coffee machine", "coffee", "99.00",
        popularity=22, service=(365, "SRV-CM"),
    ),
    _device(
        "CM-300", "Barista Pro bean-to-cup coffee machine", "coffee", "549.00",
        popularity=7, service=(365, "SRV-CM"),
    ),
    _device("WJ-10", "AquaPure filter jug 2.4 l", "water", "24.90", popularity=18),
    _device(
        "VC-500", "Cyclone 500 bagged vacuum cleaner", "vacuum", "149.00",
        popularity=12, service=(540, "SRV-VC"),
    ),
    _device(
        "RV-900", "RoboClean 900 robot vacuum", "vacuum", "349.00",
        popularity=7, service=(365, "SRV-RV"),
    ),
    _device("PR-20", "InkJet Home 20 printer", "printing", "89.00", popularity=12),
    _device("PR-40", "LaserJet Office 40 printer", "printing", "229.00", popularity=5),
    _device(
        "AP-300", "ClearAir 300 air purifier", "air", "199.00",
        popularity=12, service=(365, "SRV-AP"),
    ),
    # Consumables: sku, name, category, price, days one unit lasts, the device it fits.
    _consumable("CAP-50", "Barista espresso capsules, 50 pack", "coffee", "17.50", 25, "CM-100"),
    _consumable("DSC-2", "Descaler for capsule machines, 2 doses", "coffee", "9.90", 120, "CM-100"),
    _consumable("BEAN-1K", "Barista espresso beans, 1 kg", "coffee", "21.90", 30, "CM-300"),
    _consumable("CMF-1", "Water filter cartridge for Barista Pro", "coffee", "14.90", 60, "CM-300"),
    _consumable("WFC-3", "AquaPure filter cartridges, 3 pack", "water", "19.90", 90, "WJ-10"),
    _consumable("BAG-10", "Dust bags for Cyclone 500, 10 pack", "vacuum", "12.90", 120, "VC-500"),
    _consumable("VF-500", "Motor filter for Cyclone 500", "vacuum", "9.90", 180, "VC-500"),
    _consumable("BR-900", "Side brushes for RoboClean 900, 4 pack", "vacuum", "14.90", 120, "RV-900"),
    _consumable("RVF-900", "HEPA filters for RoboClean 900, 2 pack", "vacuum", "16.90", 120, "RV-900"),
    _consumable("INK-20K", "Black ink cartridge XL for InkJet 20", "printing", "24.90", 60, "PR-20"),
    _consumable("INK-20C", "Colour ink cartridge XL for InkJet 20", "printing", "29.90", 90, "PR-20"),
    _consumable("TON-40", "Toner cartridge for LaserJet 40", "printing", "69.00", 150, "PR-40"),
    _consumable("HEPA-300", "HEPA filter for ClearAir 300", "air", "39.90", 180, "AP-300"),
    _consumable("CARB-300", "Carbon pre-filter for ClearAir 300", "air", "14.90", 90, "AP-300"),
    _service("SRV-CM", "Coffee machine annual service", "coffee", "59.00"),
    _service("SRV-VC", "Vacuum cleaner maintenance check", "vacuum", "39.00"),
    _service("SRV-RV", "Robot vacuum annual service", "vacuum", "49.00"),
    _service("SRV-AP", "Air purifier annual service", "air", "49.00"),
    _other("ACC-MF", "Barista milk frother", "coffee", "49.00"),
    _other("ACC-CUP", "Espresso cup set, 4 cups", "coffee", "19.90"),
    _other("ACC-PAP", "Printer paper A4, 500 sheets", "printing", "5.90"),
    _other("ACC-CLN", "Microfibre cleaning cloths, 5 pack", "household", "7.90"),
)  # fmt: skip

BY_SKU: dict[str, CatalogItem] = {item.sku: item for item in CATALOG}
DEVICES: tuple[CatalogItem, ...] = tuple(item for item in CATALOG if item.kind is ProductKind.DEVICE)
EXTRAS: tuple[CatalogItem, ...] = tuple(item for item in CATALOG if item.kind is ProductKind.OTHER)


def consumables_for(device_sku: str) -> tuple[CatalogItem, ...]:
    """The consumables that fit `device_sku`, in catalogue order."""
    return tuple(item for item in CATALOG if item.for_sku == device_sku)


def product_rows() -> list[dict[str, Any]]:
    """The catalogue as `products` rows; `id` and `for_product_id` are placeholder keys."""
    keys = {item.sku: key for key, item in enumerate(CATALOG, start=1)}
    return [
        {
            "id": keys[item.sku],
            "sku": item.sku,
            "name": item.name,
            "category": item.category,
            "kind": item.kind,
            "price": item.price,
            "use_up_days": item.use_up_days,
            "for_product_id": keys[item.for_sku] if item.for_sku else None,
            "service_interval_days": item.service_interval_days,
        }
        for item in CATALOG
    ]
