"""The outcome collector: fills the outcome log from the conversation events and the store.

Read-only on both sources, run by the proactive scheduler's housekeeping (never on Rasa's hot path):

- Rasa's tracker store (`events` table, read by event id watermark): a proactive message is the
  external user event carrying the outbox key as its `key` entity; a bot event after it means the
  customer saw it (`delivered`); the customer's next own user event in that conversation is the
  `replied`.
- The outbox rows: the sent ones are the treated exposures (an e-mail's `delivered` is its send,
  it has no Rasa conversation), and the customer's recorded answer (`accepted`, `declined`,
  `snoozed`, `less_often`, `other_channel`, `opted_out`), which the dialogue writes there.
- The plan decisions with reason holdout / control_group: the untreated exposures.
- Orders, complaints, chat ratings and reviews within the attribution window after an exposure:
  `order` (each, its value), `converted` (an order with the subject's product), `complaint`,
  `rating` (1-5).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from crm.models import (
    CaseKind,
    ChatRating,
    Order,
    OrderLine,
    OrderStatus,
    OutboxMessage,
    OutboxState,
    ProactiveDecision,
    Review,
    SupportCase,
)
from crm.models.enums import Channel
from crm.uow import UnitOfWork
from outcomes.store import ANSWER_KINDS, conversations, exposures, outcomes, watermarks
from proactive.predictors.base import aware, chunks

ATTRIBUTION_WINDOW = timedelta(days=14)  # OUTCOMES_ATTRIBUTION_DAYS
EVENT_BATCH = 5000
ARM_OF_REASON = {"holdout": "holdout", "control_group": "control"}


@dataclass(frozen=True)
class CollectSummary:
    exposures: int
    events_read: int
    outcomes: int

    def __str__(self) -> str:
        return (
            f"{self.exposures} new exposures, {self.events_read} tracker events, {self.outcomes} new outcomes"
        )


def attribution_window(environ: Mapping[str, str] | None = None) -> timedelta:
    env = os.environ if environ is None else environ
    text = env.get("OUTCOMES_ATTRIBUTION_DAYS", "14")
    try:
        days = int(text)
    except ValueError as error:
        raise ValueError(f"OUTCOMES_ATTRIBUTION_DAYS must be a whole number of days, not {text!r}") from error
    if not 1 <= days <= 365:
        raise ValueError("OUTCOMES_ATTRIBUTION_DAYS must be within 1..365")
    return timedelta(days=days)


def collect(
    uow: UnitOfWork,
    log: Engine,
    now: datetime,
    *,
    tracker: Engine | None = None,
    window: timedelta = ATTRIBUTION_WINDOW,
) -> CollectSummary:
    """One incremental pass; safe to repeat (every write is insert-or-ignore on a natural key)."""
    with log.begin() as out:
        before = out.scalar(select(func.count()).select_from(outcomes)) or 0
        new_exposures = _exposures(uow, out, now, window)
        events = _tracker_events(tracker, out) if tracker is not None else 0
        _answers(uow, out, now, window)
        _attribution(uow, out, now, window)
        after = out.scalar(select(func.count()).select_from(outcomes)) or 0
    return CollectSummary(new_exposures, events, after - before)


def _insert_ignore(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    if not rows:
        return 0
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing()
    inserted = 0
    for part in range(0, len(rows), 2000):
        inserted += connection.execute(statement, list(rows[part : part + 2000])).rowcount or 0
    return inserted


def _watermark(out: Connection, source: str) -> int:
    return int(out.scalar(select(watermarks.c.position).where(watermarks.c.source == source)) or 0)


def _set_watermark(out: Connection, source: str, position: int) -> None:
    out.execute(delete(watermarks).where(watermarks.c.source == source))
    out.execute(watermarks.insert().values(source=source, position=position))


def _product_of(subject: str) -> int | None:
    kind, _, ref = subject.partition(":")
    return int(ref) if kind == "product" and ref.isdigit() else None


def _subject_of_key(key: str) -> str:
    # `trigger:customer:subject-kind:subject-ref:occasion`: the planner's key layout.
    parts = key.split(":")
    return ":".join(parts[2:4]) if len(parts) >= 4 else ""


def _exposures(uow: UnitOfWork, out: Connection, now: datetime, window: timedelta) -> int:
    since = now - window - timedelta(days=2)  # a send whose row is older still lands within the lookback
    with uow:
        sent = uow.session.execute(
            select(
                OutboxMessage.key, OutboxMessage.trigger_id, OutboxMessage.customer_id,
                OutboxMessage.subject, OutboxMessage.channel, OutboxMessage.sent_at,
            ).where(OutboxMessage.state == OutboxState.SENT, OutboxMessage.sent_at >= since)
        ).all()  # fmt: skip
        mark = _watermark(out, "decisions")
        decided = uow.session.execute(
            select(
                ProactiveDecision.id, ProactiveDecision.key, ProactiveDecision.trigger_id,
                ProactiveDecision.customer_id, ProactiveDecision.reason, ProactiveDecision.decided_at,
            )
            .where(
                ProactiveDecision.id > mark,
                ProactiveDecision.stage == "plan",
                ProactiveDecision.reason.in_(list(ARM_OF_REASON)),
            )
            .order_by(ProactiveDecision.id)
        ).all()  # fmt: skip
        last_decision = uow.session.scalar(select(func.max(ProactiveDecision.id))) or mark
    rows = [
        {
            "key": key, "trigger_id": trigger_id, "customer_id": customer_id, "arm": "treated",
            "subject": subject, "product_id": _product_of(subject),
            "channel": channel.value if channel else None, "at": aware(sent_at),
        }
        for key, trigger_id, customer_id, subject, channel, sent_at in sent
        if sent_at is not None
    ]  # fmt: skip
    rows += [
        {
            "key": key, "trigger_id": trigger_id, "customer_id": customer_id, "arm": ARM_OF_REASON[reason],
            "subject": _subject_of_key(key), "product_id": _product_of(_subject_of_key(key)),
            "channel": None, "at": aware(decided_at),
        }
        for _, key, trigger_id, customer_id, reason, decided_at in decided
        if key
    ]  # fmt: skip
    inserted = _insert_ignore(out, exposures, rows)
    # An e-mail has no Rasa conversation: the server's acceptance is its delivery.
    _insert_ignore(
        out,
        outcomes,
        [
            {"key": key, "kind": "delivered", "ref": "", "at": aware(sent_at), "value": None}
            for key, _, _, _, channel, sent_at in sent
            if channel is Channel.EMAIL and sent_at is not None
        ],
    )
    _set_watermark(out, "decisions", int(last_decision))
    return inserted


def _events_table(tracker: Engine) -> Table:
    return Table("events", MetaData(), autoload_with=tracker)


def _tracker_events(tracker: Engine, out: Connection) -> int:
    """Reads the tracker's new events in id order; returns how many were read."""
    events = _events_table(tracker)
    mark = _watermark(out, "tracker")
    read = 0
    while True:
        with tracker.connect() as source:
            batch = source.execute(
                select(events.c.id, events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.data)
                .where(events.c.id > mark, events.c.type_name.in_(["user", "bot"]))
                .order_by(events.c.id)
                .limit(EVENT_BATCH)
            ).all()
        if not batch:
            break
        _apply_events(out, batch)
        mark = int(batch[-1][0])
        read += len(batch)
        _set_watermark(out, "tracker", mark)
        if len(batch) < EVENT_BATCH:
            break
    return read


def _apply_events(out: Connection, batch: Iterable[Any]) -> None:
    batch = list(batch)
    senders = sorted({row[1] for row in batch})
    state: dict[str, dict[str, Any]] = {}
    for part in _slices(senders):
        for sender_id, key, delivered, replied in out.execute(
            select(conversations).where(conversations.c.sender_id.in_(part))
        ):
            state[sender_id] = {"key": key, "delivered": bool(delivered), "replied": bool(replied)}
    found: list[dict[str, Any]] = []
    for _, sender_id, type_name, timestamp, data in batch:
        at = datetime.fromtimestamp(float(timestamp), UTC)
        event = json.loads(data) if data else {}
        current = state.get(sender_id)
        if type_name == "user":
            key = _proactive_key(event)
            if key is not None:
                state[sender_id] = {"key": key, "delivered": False, "replied": False}
            elif (event.get("metadata") or {}).get("is_external"):
                continue  # the shop's other external turns (rating requests) are no reply
            elif current and current["delivered"] and not current["replied"]:
                current["replied"] = True
                found.append({"key": current["key"], "kind": "replied", "ref": "", "at": at, "value": None})
        elif type_name == "bot" and current and not current["delivered"]:
            current["delivered"] = True
            found.append({"key": current["key"], "kind": "delivered", "ref": "", "at": at, "value": None})
    _insert_ignore(out, outcomes, found)
    if state:
        out.execute(delete(conversations).where(conversations.c.sender_id.in_(list(state))))
        out.execute(
            conversations.insert(),
            [
                {
                    "sender_id": sender,
                    "key": s["key"],
                    "delivered": int(s["delivered"]),
                    "replied": int(s["replied"]),
                }
                for sender, s in state.items()
            ],
        )


def _proactive_key(event: Mapping[str, Any]) -> str | None:
    if not (event.get("metadata") or {}).get("is_external"):
        return None
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == "key" and entity.get("value"):
            return str(entity["value"])
    return None


def _answers(uow: UnitOfWork, out: Connection, now: datetime, window: timedelta) -> None:
    since = now - window - timedelta(days=2)
    with uow:
        answered = uow.session.execute(
            select(OutboxMessage.key, OutboxMessage.answer, OutboxMessage.answered_at).where(
                OutboxMessage.answered_at.is_not(None), OutboxMessage.answered_at >= since
            )
        ).all()
    for key, answer, _ in answered:
        if answer is None:
            continue
        # The latest answer stands (an undo replaces it): drop a different earlier one.
        out.execute(
            delete(outcomes).where(
                outcomes.c.key == key,
                outcomes.c.kind.in_([k for k in ANSWER_KINDS if k != answer.value]),
            )
        )
    _insert_ignore(
        out,
        outcomes,
        [
            {"key": key, "kind": answer.value, "ref": "", "at": aware(answered_at), "value": None}
            for key, answer, answered_at in answered
            if answer is not None and answered_at is not None
        ],
    )


def _attribution(uow: UnitOfWork, out: Connection, now: datetime, window: timedelta) -> None:
    """Orders, conversions, complaints and ratings within the window after each open exposure."""
    open_ = out.execute(
        select(exposures.c.key, exposures.c.customer_id, exposures.c.product_id, exposures.c.at).where(
            exposures.c.at >= now - window - timedelta(days=1)
        )
    ).all()
    if not open_:
        return
    by_customer: dict[int, list[tuple[str, int | None, datetime]]] = defaultdict(list)
    for key, customer_id, product_id, at in open_:
        by_customer[customer_id].append((key, product_id, aware(at)))
    earliest = min(aware(row[3]) for row in open_)
    found: list[dict[str, Any]] = []
    with uow:
        for part in chunks(sorted(by_customer)):
            lines = uow.session.execute(
                select(
                    Order.id, Order.customer_id, Order.placed_at, OrderLine.product_id,
                    OrderLine.quantity * OrderLine.unit_price,
                )
                .join(OrderLine, OrderLine.order_id == Order.id)
                .where(
                    Order.customer_id.in_(part), Order.placed_at > earliest, Order.placed_at <= now,
                    Order.status != OrderStatus.CANCELLED,
                )
            ).all()  # fmt: skip
            orders: dict[int, dict[str, Any]] = {}
            for order_id, customer_id, placed_at, product_id, amount in lines:
                entry = orders.setdefault(
                    order_id,
                    {"customer": customer_id, "at": aware(placed_at), "products": set(), "value": 0.0},
                )
                entry["products"].add(product_id)
                entry["value"] += float(amount or 0)
            complaints = uow.session.execute(
                select(SupportCase.id, SupportCase.customer_id, SupportCase.opened_at).where(
                    SupportCase.customer_id.in_(part), SupportCase.kind == CaseKind.COMPLAINT,
                    SupportCase.opened_at > earliest, SupportCase.opened_at <= now,
                )
            ).all()  # fmt: skip
            ratings = [
                (f"chat:{rid}", customer, at, rating)
                for rid, customer, at, rating in uow.session.execute(
                    select(
                        ChatRating.id, ChatRating.customer_id, ChatRating.rated_at, ChatRating.rating
                    ).where(
                        ChatRating.customer_id.in_(part),
                        ChatRating.rated_at > earliest,
                        ChatRating.rated_at <= now,
                    )
                )
            ] + [
                (f"review:{rid}", customer, at, rating)
                for rid, customer, at, rating in uow.session.execute(
                    select(Review.id, Review.customer_id, Review.created_at, Review.rating).where(
                        Review.customer_id.in_(part), Review.created_at > earliest, Review.created_at <= now
                    )
                )
            ]
            found += _attributed(by_customer, orders, complaints, ratings, window)
    _insert_ignore(out, outcomes, found)


def _attributed(
    by_customer: Mapping[int, list[tuple[str, int | None, datetime]]],
    orders: Mapping[int, Mapping[str, Any]],
    complaints: Sequence[Any],
    ratings: Sequence[tuple[str, int | None, datetime, int]],
    window: timedelta,
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def within(customer: int | None, at: datetime) -> list[tuple[str, int | None, datetime]]:
        return [e for e in by_customer.get(customer or -1, ()) if e[2] < at <= e[2] + window]

    for order_id, order in orders.items():
        for key, product_id, _ in within(order["customer"], order["at"]):
            found.append(
                {
                    "key": key,
                    "kind": "order",
                    "ref": str(order_id),
                    "at": order["at"],
                    "value": order["value"],
                }
            )
            if product_id is not None and product_id in order["products"]:
                found.append(
                    {"key": key, "kind": "converted", "ref": "", "at": order["at"], "value": order["value"]}
                )
    for case_id, customer, opened_at in complaints:
        for key, _, _ in within(customer, aware(opened_at)):
            found.append(
                {"key": key, "kind": "complaint", "ref": str(case_id), "at": aware(opened_at), "value": None}
            )
    for ref, customer, rated_at, rating in ratings:
        for key, _, _ in within(customer, aware(rated_at)):
            found.append(
                {"key": key, "kind": "rating", "ref": ref, "at": aware(rated_at), "value": float(rating)}
            )
    return found


def _slices(values: list[str], size: int = 900) -> list[list[str]]:
    return [values[index : index + size] for index in range(0, len(values), size)]
