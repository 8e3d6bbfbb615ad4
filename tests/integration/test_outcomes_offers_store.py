"""Offers straight from the customer store, on SQLite and PostgreSQL, and once with the real MiniLM model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import OrderStatus, Product, ProductKind
from crm.uow import UnitOfWork
from nlu.embeddings import MiniLMEmbedder
from proactive.predictors.offers import OfferParameters, offer_candidates
from tests.factories import add_customer, add_order

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
WORDS = ("coffee", "espresso", "tea", "garden")


class KeywordEmbedder:
    """Texts sharing a keyword point the same way: enough to check the plumbing without a model."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.array(
            [[1.0 if word in text.lower() else 0.0 for word in WORDS] + [0.01] for text in texts],
            dtype=np.float32,
        )
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(params=["store", "postgres_store"])
def engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    return engine


def _product(session: Session, sku: str, name: str, category: str, kind: ProductKind) -> Product:
    product = Product(sku=sku, name=name, category=category, kind=kind, price=Decimal("10.00"))
    session.add(product)
    session.flush()
    return product


def _shop(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        products = {
            "beans": _product(session, "B1", "Coffee beans, dark roast", "coffee", ProductKind.CONSUMABLE),
            "capsules": _product(session, "B2", "Espresso capsules", "coffee", ProductKind.CONSUMABLE),
            "grinder": _product(session, "B3", "Coffee grinder", "coffee", ProductKind.DEVICE),
            "tea": _product(session, "T1", "Green tea", "tea", ProductKind.CONSUMABLE),
            "hose": _product(session, "G1", "Garden hose", "garden", ProductKind.OTHER),
            "visit": _product(session, "S1", "Coffee machine service visit", "coffee", ProductKind.SERVICE),
        }
        anna = add_customer(session, "C1", "Anna")
        ben = add_customer(session, "C2", "Ben")
        add_order(session, anna, products["beans"], "1", placed_at=AS_OF - timedelta(days=20))
        # Ben's cancelled grinder is not owned; the hose is popular among others.
        add_order(
            session,
            ben,
            products["grinder"],
            "2",
            placed_at=AS_OF - timedelta(days=5),
            status=OrderStatus.CANCELLED,
        )
        for index in range(3):
            other = add_customer(session, f"C9{index}", f"Other {index}")
            add_order(session, other, products["hose"], f"9{index}", placed_at=AS_OF - timedelta(days=10))
        # A purchase after "as of" is not history yet.
        add_order(session, anna, products["capsules"], "3", placed_at=AS_OF + timedelta(days=1))
        session.commit()
        ids = {name: product.id for name, product in products.items()}
        ids["anna"], ids["ben"] = anna.id, ben.id
        return ids


def test_offers_follow_taste_and_exclude_owned_products_and_services(engine: Engine) -> None:
    ids = _shop(engine)
    offers = offer_candidates(
        UnitOfWork.for_engine(engine),
        KeywordEmbedder(),
        AS_OF,
        customer_ids=[ids["anna"], ids["ben"]],
        per_customer=3,
        params=OfferParameters(similarity_weight=0.7),
    )
    anna = [offer for offer in offers if offer.customer_id == ids["anna"]]
    assert {anna[0].product_id, anna[1].product_id} == {ids["capsules"], ids["grinder"]}
    assert ids["beans"] not in {offer.product_id for offer in anna}
    assert ids["visit"] not in {offer.product_id for offer in offers}
    assert anna[0].because == "Coffee beans, dark roast"
    ben = [offer for offer in offers if offer.customer_id == ids["ben"]]
    assert ben[0].product_id == ids["hose"] and ben[0].because is None  # no purchase: the popular one


def test_real_minilm_offers_a_coffee_drinker_coffee(store: Engine) -> None:
    ids = _shop(store)
    offers = offer_candidates(
        UnitOfWork.for_engine(store),
        MiniLMEmbedder(),
        AS_OF,
        customer_ids=[ids["anna"]],
        per_customer=2,
        params=OfferParameters(similarity_weight=0.8),
    )
    assert {offer.product_id for offer in offers} == {ids["capsules"], ids["grinder"]}
