"""A trigger's audience filter, applied to a predictor's candidates with bulk reads."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.models import Customer, Order, OrderStatus, Product
from crm.uow import UnitOfWork
from proactive.predictors.base import Candidate, chunks
from proactive.triggers import Audience


def in_audience(uow: UnitOfWork, audience: Audience, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates the audience filter keeps, read in bulk."""
    kept = [c for c in candidates if c.confidence >= audience.min_confidence]
    if audience.product_ids:
        kept = [c for c in kept if c.facts.get("product_id") in audience.product_ids]
    if audience.needs_products:
        ids = sorted({int(c.facts["product_id"]) for c in kept if c.facts.get("product_id") is not None})
        products = {
            pid: (kind, category)
            for part in chunks(ids)
            for pid, kind, category in uow.session.execute(
                select(Product.id, Product.kind, Product.category).where(Product.id.in_(part))
            )
        }

        def fits(candidate: Candidate) -> bool:
            kind, category = products.get(candidate.facts.get("product_id") or -1, (None, None))
            return (not audience.kinds or kind in audience.kinds) and (
                not audience.categories or category in audience.categories
            )

        kept = [c for c in kept if fits(c)]
    if audience.countries or audience.customer_refs or audience.time_zones:
        people = _people(uow, sorted({c.customer_id for c in kept}))
        kept = [
            c
            for c in kept
            if c.customer_id in people
            and (not audience.countries or people[c.customer_id][1] in audience.countries)
            and (not audience.customer_refs or people[c.customer_id][0] in audience.customer_refs)
            and (not audience.time_zones or people[c.customer_id][2] in audience.time_zones)
        ]
    if audience.min_orders:
        counts = _order_counts(uow, sorted({c.customer_id for c in kept}))
        kept = [c for c in kept if counts.get(c.customer_id, 0) >= audience.min_orders]
    return kept


def _people(uow: UnitOfWork, ids: list[int]) -> dict[int, tuple[str, str, str]]:
    return {
        cid: (ref, country, tz)
        for part in chunks(ids)
        for cid, ref, country, tz in uow.session.execute(
            select(Customer.id, Customer.external_ref, Customer.country, Customer.time_zone).where(
                Customer.id.in_(part)
            )
        )
    }


def _order_counts(uow: UnitOfWork, ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for part in chunks(ids):
        for cid, count in uow.session.execute(
            select(Order.customer_id, func.count())
            .where(Order.customer_id.in_(part), Order.status != OrderStatus.CANCELLED)
            .group_by(Order.customer_id)
        ):
            if cid is not None:
                counts[cid] = count
    return counts
