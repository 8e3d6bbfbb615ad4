"""The study's five metrics for the whole shop over a period [start, end), computed in SQL.

The definitions are issue 10's, used everywhere (engine, console, tests):

- *Active customer* at a moment d: at least one order placed in [d - 365 days, d).
- *Satisfaction level*: ratings of 4-5 / all ratings (1-5) in the period: the customers' ratings
  of their chats (`chat_ratings`, asked when an agent closes one) and their reviews, together.
- *Retention rate*: (active customers at the period's end - new customers in the period) /
  active customers at the period's start. A new customer is one whose first order falls in the
  period.
- *Average order value*: revenue / orders in the period, cancellations excluded.
- *Positive review share*: reviews with 4-5 stars / all reviews written in the period.
- *Complaint share*: customers with a complaint opened in the period / customers active at the
  period's end.

An "order" is everywhere an order that was not cancelled: a cancelled order (the retail data's
credit notes among them) is no purchase, so it makes nobody active, new or part of the revenue.
Guest orders (no customer) count for the average order value only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session

from crm.models import CaseKind, ChatRating, Order, OrderLine, OrderStatus, Review, SupportCase
from crm.uow import UnitOfWork

ACTIVE_WINDOW = timedelta(days=365)
POSITIVE_RATING = 4  # 4 and 5 of 1-5 are positive / satisfied


@dataclass(frozen=True)
class Metric:
    """One figure with what it is made of; `value` is None when there is nothing to divide by."""

    name: str
    numerator: Decimal | int | None
    denominator: int | None
    note: str = ""

    @property
    def value(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return float(self.numerator) / self.denominator


@dataclass(frozen=True)
class ShopMetrics:
    start: datetime
    end: datetime
    satisfaction: Metric
    retention: Metric
    average_order_value: Metric
    positive_review_share: Metric
    complaint_share: Metric

    def all(self) -> tuple[Metric, ...]:
        return (
            self.satisfaction,
            self.retention,
            self.average_order_value,
            self.positive_review_share,
            self.complaint_share,
        )


class BadPeriod(ValueError):
    """The period is empty, reversed, or not timezone-aware."""


def shop_metrics(uow: UnitOfWork, start: datetime, end: datetime) -> ShopMetrics:
    """The five metrics for [start, end); read-only."""
    _check_period(start, end)
    with uow:
        session = uow.session
        return ShopMetrics(
            start=start,
            end=end,
            satisfaction=satisfaction(session, start, end),
            retention=retention(session, start, end),
            average_order_value=average_order_value(session, start, end),
            positive_review_share=positive_review_share(session, start, end),
            complaint_share=complaint_share(session, start, end),
        )


def active_customers(session: Session, at: datetime) -> int:
    """Customers with at least one (not cancelled) order in the 365 days before `at`."""
    query = select(func.count(distinct(Order.customer_id))).where(
        Order.customer_id.is_not(None),
        Order.status != OrderStatus.CANCELLED,
        Order.placed_at >= at - ACTIVE_WINDOW,
        Order.placed_at < at,
    )
    return session.scalar(query) or 0


def new_customers(session: Session, start: datetime, end: datetime) -> int:
    """Customers whose first (not cancelled) order falls in [start, end)."""
    first = (
        select(Order.customer_id, func.min(Order.placed_at).label("first_at"))
        .where(Order.customer_id.is_not(None), Order.status != OrderStatus.CANCELLED)
        .group_by(Order.customer_id)
        .having(and_(func.min(Order.placed_at) >= start, func.min(Order.placed_at) < end))
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(first)) or 0


def satisfaction(session: Session, start: datetime, end: datetime) -> Metric:
    chats = and_(ChatRating.rated_at >= start, ChatRating.rated_at < end)
    reviews = and_(Review.created_at >= start, Review.created_at < end)
    total = (session.scalar(select(func.count(ChatRating.id)).where(chats)) or 0) + (
        session.scalar(select(func.count(Review.id)).where(reviews)) or 0
    )
    positive = (
        session.scalar(select(func.count(ChatRating.id)).where(chats, ChatRating.rating >= POSITIVE_RATING))
        or 0
    ) + (session.scalar(select(func.count(Review.id)).where(reviews, Review.rating >= POSITIVE_RATING)) or 0)
    return Metric("satisfaction level", positive, total, note="chat ratings and reviews")


def retention(session: Session, start: datetime, end: datetime) -> Metric:
    at_start = active_customers(session, start)
    at_end = active_customers(session, end)
    new = new_customers(session, start, end)
    return Metric("retention rate", at_end - new, at_start)


def average_order_value(session: Session, start: datetime, end: datetime) -> Metric:
    in_period = and_(Order.status != OrderStatus.CANCELLED, Order.placed_at >= start, Order.placed_at < end)
    orders = session.scalar(select(func.count(Order.id)).where(in_period)) or 0
    revenue = session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity * OrderLine.unit_price), 0))
        .join(Order, OrderLine.order_id == Order.id)
        .where(in_period)
    )
    # SQLite sums NUMERIC as a float: back to cents, as money.
    return Metric("average order value", Decimal(str(revenue or 0)).quantize(Decimal("0.01")), orders)


def positive_review_share(session: Session, start: datetime, end: datetime) -> Metric:
    in_period = and_(Review.created_at >= start, Review.created_at < end)
    total = session.scalar(select(func.count(Review.id)).where(in_period)) or 0
    positive = (
        session.scalar(select(func.count(Review.id)).where(in_period, Review.rating >= POSITIVE_RATING)) or 0
    )
    return Metric("positive review share", positive, total)


def complaint_share(session: Session, start: datetime, end: datetime) -> Metric:
    complained = (
        session.scalar(
            select(func.count(distinct(SupportCase.customer_id))).where(
                SupportCase.customer_id.is_not(None),
                SupportCase.kind == CaseKind.COMPLAINT,
                SupportCase.opened_at >= start,
                SupportCase.opened_at < end,
            )
        )
        or 0
    )
    return Metric("complaint share", complained, active_customers(session, end), note="of active at end")


def _check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise BadPeriod("the period's bounds must be timezone-aware")
    if end <= start:
        raise BadPeriod(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
