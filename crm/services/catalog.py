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
        "sell",
        "stock",
        "carry",
        "got",
        "ur",
        "u",
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
    "robovac": "robot",
    "robo": "robot",
    "roomba": "robot",
    "purifyer": "purifier",
}
_MIN_SIMILARITY = 0.8
_SERVICE_WORDS = frozenset({"service", "servicing", "maintenance", "check", "repair", "visit"})
# At least one word of what the product is (or a typo of one): words after "for" and the
# category alone don't name a product.
_MIN_HITS = 0.75


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
        if not _SERVICE_WORDS & set(wanted):
            # "the coffee machine" is the machine, not its annual service.
            candidates = [p for p in candidates if p.kind is not ProductKind.SERVICE]
        scored = [(score, product) for product in candidates if (score := _score(wanted, product)) > 0]
        if not scored:
            return ()
        # Every product named as fully as the best one ("the vacuum": both vacuums), the shorter
        # names first.
        best = max(int(score) for score, _ in scored)
        top = [product for score, product in scored if int(score) >= best]
        # "capsules" also matches the "capsule coffee machine": asked by a consumable's name,
        # people mean the consumable.
        if any(p.kind is ProductKind.CONSUMABLE for p in top) and not {"machine", "device"} & set(wanted):
            top = [p for p in top if p.kind is ProductKind.CONSUMABLE]
        top.sort(key=lambda p: (len(p.name), p.id))
        names = _device_names(uow, top)
        return tuple(view(p, names.get(p.for_product_id or 0)) for p in top[:limit])


def product_by_id(uow: UnitOfWork, product_id: int) -> ProductView | None:
    with uow:
        product = uow.products.by_id(product_id)
        return view(product, None) if product else None


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
    """Simple, explainable suggestions from the catalogue (services are booked, not suggested).

    A named device ("for my air purifier") gets what goes with it: its supplies and accessories.
    Another named kind of product ("which capsules") narrows to that kind. Otherwise a known
    customer gets what fits their devices and they have not bought yet, and a visitor gets our
    best sellers in the category they mention, or overall.
    """
    named = [p for p in match_products(uow, text, limit=10) if p.kind is not ProductKind.SERVICE]
    with uow:
        popularity = uow.products.popularity()
        catalogue = [p for p in uow.products.all() if p.kind is not ProductKind.SERVICE]

        def ranked(products: list[Product]) -> list[Product]:
            return sorted(products, key=lambda p: (-popularity.get(p.id, 0), p.id))

        named_devices = {p.id for p in named if p.kind is ProductKind.DEVICE}
        if named_devices and not _wants_a_device(text):
            device_names = {p.id: p.name for p in named if p.id in named_devices}
            goes_with = [
                p
                for p in catalogue
                if p.for_product_id in named_devices
                or (
                    p.kind is ProductKind.OTHER
                    and p.category in {q.category for q in named if q.id in named_devices}
                )
            ]
            items = tuple(view(p, device_names.get(p.for_product_id or 0)) for p in ranked(goes_with)[:limit])
            if items:
                return Recommendation(items, f"what goes with the {', '.join(sorted(device_names.values()))}")
        if named:
            pool = [p for p in catalogue if p.id in {n.id for n in named}]
            return Recommendation(
                tuple(view(p, None) for p in ranked(pool)[:limit]),
                f"our most popular {_plural_category(named)}",
            )
        if customer_id is not None:
            devices = {product.id: product for _, product in uow.devices.for_customer(customer_id)}
            bought = {product.id for product, *_ in uow.orders.consumable_lines(customer_id)}
            categories = {d.category for d in devices.values()}
            pool = [
                p
                for p in catalogue
                if (p.for_product_id in devices and p.id not in bought)
                or (p.kind is ProductKind.OTHER and p.category in categories)
            ]
            if pool:
                names = {d.id: d.name for d in devices.values()}
                items = tuple(view(p, names.get(p.for_product_id or 0)) for p in ranked(pool)[:limit])
                return Recommendation(items, f"these go with your {', '.join(sorted(names.values()))}")
        category = next((c for c in {p.category for p in catalogue} if c in words_of(text)), None)
        if category is not None:
            in_category = [p for p in catalogue if p.category == category]
            return Recommendation(
                tuple(view(p, None) for p in ranked(in_category)[:limit]), f"popular in {category}"
            )
        devices_only = [p for p in catalogue if p.kind is ProductKind.DEVICE]
        return Recommendation(
            tuple(view(p, None) for p in ranked(devices_only)[:limit]), "our best-selling machines"
        )


def _wants_a_device(text: str) -> bool:
    """ "which coffee machine should I buy" asks for a device; "what do I need for my machine" does not."""
    return not re.search(r"\b(?:for|with|go with|goes with|fit|fits|need)\b", text.lower())


def view(product: Product, fits: str | None) -> ProductView:
    return ProductView(product.id, product.name, product.price, product.kind, product.category, fits)


def _score(wanted: Sequence[str], product: Product) -> float:
    """How well the text names this product, typos forgiven; 0 when it names it too little.

    A name says what the product is and then what it is for ("Descaler | for capsule machines"):
    "capsules" names the capsules, not the descaler made for capsule machines.
    """
    head, _, tail = product.name.lower().partition(" for ")
    is_words = set(words_of(head))
    for_words = set(words_of(tail)) - is_words
    hits = 0.0
    for word in set(wanted):
        if word in is_words:
            hits += 1
        elif len(word) >= 4 and any(similar(word, candidate) for candidate in is_words):
            hits += 0.8
        elif word in for_words or word == product.category.lower():
            hits += 0.3
    if hits < _MIN_HITS:
        return 0.0
    # Mentioning more of the name wins; a shorter name with the same hits is the closer match.
    return hits + hits / (len(is_words | for_words) + 1)


def similar(word: str, candidate: str) -> bool:
    return SequenceMatcher(None, word, candidate).ratio() >= _MIN_SIMILARITY


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
