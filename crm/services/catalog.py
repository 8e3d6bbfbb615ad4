"""Product questions: which product is meant, what it costs, what fits, what to recommend."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher

from crm.models import Product, ProductKind
from crm.uow import UnitOfWork

# Every catalogue item ships from stock; there is no per-item stock level in the store.
SHIPS_WITHIN = "in stock and ships within one working day"
# Words that say nothing about which product is meant.
_FILLER = frozenset(
    [
        "the",
        "a",
        "an",
        "for",
        "my",
        "of",
        "and",
        "pack",
        "packs",
        "some",
        "is",
        "it",
        "this",
        "that",
        "how",
        "much",
        "what",
        "whats",
        "do",
        "does",
        "you",
        "your",
        "i",
        "im",
        "me",
        "to",
        "in",
        "on",
        "with",
        "have",
        "has",
        "can",
        "could",
        "would",
        "price",
        "cost",
        "costs",
        "buy",
        "need",
        "want",
        "any",
        "are",
        "there",
        "which",
        "one",
        "ones",
        "new",
        "get",
        "order",
        "please",
        "pls",
        "thanks",
        "hi",
        "hello",
        "about",
    ]
)
# What customers call things -> words of the catalogue's names.
_SYNONYMS = {
    "pods": "capsule",
    "pod": "capsule",
    "caps": "capsule",
    "coffee": "coffee",
    "hoover": "vacuum",
    "vac": "vacuum",
    "bags": "bag",
    "cartridge": "cartridge",
    "cartridges": "cartridge",
    "jug": "jug",
    "purifier": "purifier",
    "robot": "robot",
    "frother": "frother",
    "ink": "ink",
    "toner": "toner",
    "paper": "paper",
    "beans": "bean",
    "filters": "filter",
    "descaling": "descaler",
    "descale": "descaler",
}
_MIN_SIMILARITY = 0.8


@dataclass(frozen=True)
class ProductView:
    id: int
    name: str
    price: Decimal
    kind: ProductKind
    category: str
    # For consumables: the device they fit.
    fits: str | None


@dataclass(frozen=True)
class DeviceSupplies:
    device: str
    consumables: tuple[ProductView, ...]


@dataclass(frozen=True)
class Recommendation:
    items: tuple[ProductView, ...]
    # Why these: "fits your Barista Pro", "popular in coffee", "our most popular".
    basis: str


def words_of(text: str) -> list[str]:
    """Lower-case content words, plural "s" dropped and customer words mapped to the catalogue's."""
    out = []
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in _FILLER or len(word) < 2:
            continue
        word = _SYNONYMS.get(word, word)
        out.append(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)
    return out


def match_products(
    uow: UnitOfWork, text: str, *, among: Iterable[int] | None = None, limit: int = 3
) -> tuple[ProductView, ...]:
    """The products `text` most likely names, best first (empty when it names none).

    Matching is by words of the product's name and category, tolerant of typos ("capsuls").
    `among` limits the candidates (the lines of the customer's orders, their devices).
    """
    wanted = words_of(text)
    if not wanted:
        return ()
    with uow:
        candidates = uow.products.by_ids(list(among)) if among is not None else uow.products.all()
        scored = [(score, product) for product in candidates if (score := _score(wanted, product)) > 0]
        if not scored:
            return ()
        best = max(score for score, _ in scored)
        top = [product for score, product in scored if score >= best - 0.01]
        # "capsules" also matches the "capsule coffee machine": asked by a consumable's name,
        # people mean the consumable.
        if any(p.kind is ProductKind.CONSUMABLE for p in top) and not {"machine", "device"} & set(wanted):
            top = [p for p in top if p.kind is ProductKind.CONSUMABLE]
        top.sort(key=lambda p: (len(p.name), p.id))
        names = _device_names(uow, top)
        return tuple(view(p, names.get(p.for_product_id or 0)) for p in top[:limit])


def supplies_for_customer(uow: UnitOfWork, customer_id: int) -> tuple[DeviceSupplies, ...]:
    """The customer's devices and the consumables that fit each."""
    with uow:
        devices = {product.id: product for _, product in uow.devices.for_customer(customer_id)}
        consumables = uow.products.consumables_for(list(devices))
        return tuple(
            DeviceSupplies(
                device=device.name,
                consumables=tuple(view(c, device.name) for c in consumables if c.for_product_id == device.id),
            )
            for device in devices.values()
        )


def recommend(uow: UnitOfWork, customer_id: int | None, text: str, limit: int = 3) -> Recommendation:
    """Simple, explainable suggestions from the catalogue.

    A named kind of product ("which capsules", "a vacuum") narrows to that; otherwise a known
    customer gets what fits their devices and they have not bought yet; a visitor gets our
    best sellers.
    """
    named = match_products(uow, text, limit=10)
    with uow:
        popularity = uow.products.popularity()
        if named:
            pool = sorted(named, key=lambda p: -popularity.get(p.id, 0))
            return Recommendation(tuple(pool[:limit]), f"our most popular {_plural_category(named)}")
        if customer_id is not None:
            devices = {product.id: product for _, product in uow.devices.for_customer(customer_id)}
            bought = {product.id for product, *_ in uow.orders.consumable_lines(customer_id)}
            fitting = [p for p in uow.products.consumables_for(list(devices)) if p.id not in bought]
            extras = [
                p
                for p in uow.products.all()
                if p.kind is ProductKind.OTHER and p.category in {d.category for d in devices.values()}
            ]
            pool_products = sorted(fitting + extras, key=lambda p: -popularity.get(p.id, 0))
            if pool_products:
                names = {d.id: d.name for d in devices.values()}
                items = tuple(view(p, names.get(p.for_product_id or 0)) for p in pool_products[:limit])
                device_names = ", ".join(sorted(d.name for d in devices.values()))
                return Recommendation(items, f"these go with your {device_names}")
        devices_only = [p for p in uow.products.all() if p.kind is ProductKind.DEVICE]
        top = sorted(devices_only, key=lambda p: -popularity.get(p.id, 0))[:limit]
        return Recommendation(tuple(view(p, None) for p in top), "our best-selling machines")


def view(product: Product, fits: str | None) -> ProductView:
    return ProductView(product.id, product.name, product.price, product.kind, product.category, fits)


def _score(wanted: Sequence[str], product: Product) -> float:
    """Share of the product's distinctive words the text mentions, typos forgiven."""
    name_words = set(words_of(product.name))
    hits = 0.0
    for word in set(wanted):
        if word in name_words:
            hits += 1
        elif len(word) >= 4 and any(
            SequenceMatcher(None, word, candidate).ratio() >= _MIN_SIMILARITY for candidate in name_words
        ):
            hits += 0.8
        elif word == product.category.lower():
            # "the vacuum" means the vacuum cleaner before its dust bags.
            hits += 0.4
    if hits == 0:
        return 0.0
    # Mentioning more of the name wins; a shorter name with the same hits is the closer match.
    return hits + hits / (len(name_words) + 1)


def _device_names(uow: UnitOfWork, products: Sequence[Product]) -> dict[int, str]:
    ids = [p.for_product_id for p in products if p.for_product_id]
    return {p.id: p.name for p in uow.products.by_ids(ids)}


def _plural_category(products: Sequence[ProductView]) -> str:
    kinds = {p.kind for p in products}
    if kinds == {ProductKind.CONSUMABLE}:
        return "supplies"
    if kinds == {ProductKind.DEVICE}:
        return "machines"
    return "products"


@dataclass(frozen=True)
class ShelfItem:
    """A product as the storefront lists it."""

    name: str
    category: str
    kind: ProductKind
    price: Decimal


def catalogue(uow: UnitOfWork) -> tuple[ShelfItem, ...]:
    """Everything the shop sells, by category then name."""
    with uow:
        items = [ShelfItem(p.name, p.category, p.kind, p.price) for p in uow.products.all()]
    return tuple(sorted(items, key=lambda item: (item.category, item.name)))
