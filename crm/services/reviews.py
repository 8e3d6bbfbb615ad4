"""Reviews customers leave in chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm.models import Review
from crm.repositories.cases import ReviewRepository
from crm.uow import UnitOfWork

# Ratings at or below this get the offer of a person: an unhappy customer deserves a human.
LOW_RATING = 2


@dataclass(frozen=True)
class ReviewView:
    rating: int
    order_number: str | None

    @property
    def is_low(self) -> bool:
        return self.rating <= LOW_RATING


def record_review(uow: UnitOfWork, customer_id: int, rating: int, text: str, now: datetime) -> ReviewView:
    """Stores a 1-5 rating (about the customer's latest order, if any) with the customer's words."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1 to 5, not {rating}")
    with uow:
        order = uow.orders.latest_for(customer_id)
        review = Review(
            customer_id=customer_id,
            order_id=order.id if order else None,
            product_id=order.lines[0].product_id if order and order.lines else None,
            rating=rating,
            text=text.strip(),
            created_at=now,
        )
        ReviewRepository(uow.session).add(review)
        view = ReviewView(rating=rating, order_number=order.number if order else None)
        uow.commit()
        return view
