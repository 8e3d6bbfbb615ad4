"""Reviews customers leave in chat, about the product (or order) they name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm.models import Review
from crm.services.errors import OrderNotFound
from crm.services.orders import normalise_number
from crm.uow import UnitOfWork

# Ratings at or below this get the offer of a person: an unhappy customer deserves a human.
LOW_RATING = 2


@dataclass(frozen=True)
class ReviewView:
    id: int
    rating: int
    order_number: str | None
    product_name: str | None

    @property
    def is_low(self) -> bool:
        return self.rating <= LOW_RATING


def record_review(
    uow: UnitOfWork,
    customer_id: int,
    rating: int,
    text: str,
    now: datetime,
    *,
    order_number: str | None = None,
    product_id: int | None = None,
) -> ReviewView:
    """Stores a 1-5 rating with the customer's words, about what they named (nothing is guessed).

    Raises `OrderNotFound` for an order that is not this customer's.
    """
    if not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1 to 5, not {rating}")
    with uow:
        order = (
            uow.orders.by_number_for(customer_id, normalise_number(order_number)) if order_number else None
        )
        if order_number and order is None:
            raise OrderNotFound(order_number)
        product = uow.products.by_id(product_id) if product_id else None
        review = Review(
            customer_id=customer_id,
            order_id=order.id if order else None,
            product_id=product.id if product else None,
            rating=rating,
            text=text.strip(),
            created_at=now,
        )
        uow.reviews.add(review)
        view = ReviewView(
            review.id, rating, order.number if order else None, product.name if product else None
        )
        uow.commit()
        return view


def withdraw_review(uow: UnitOfWork, customer_id: int, review_id: int) -> bool:
    """Deletes a review the customer just left (an undo); False when it is not theirs or gone."""
    with uow:
        review = uow.reviews.by_id(review_id)
        if review is None or review.customer_id != customer_id:
            return False
        uow.reviews.delete(review)
        uow.commit()
        return True
