"""The simulation: the demo shop for a few simulated months with the proactive engine on.

Real parts: the demo shop (`crm.demo`), the planner, the policy, the send gate, the outbox and the
pump, the answers' service (`record_answer`), the outcome collector (reading a tracker store the
simulated channel writes Rasa's event rows into), the results and the automatic pause. Simulated:
the channel (every send is shown) and the customers, by the response model below. Its stated
assumptions (docs/outcomes.md repeats them):

1. Background buying: every customer x consumable pair with a history buys again on any day with
   probability `natural_share / interval` (its own mean interval from the demo history), so the
   shop keeps selling without any message; the rest of their need is met elsewhere.
2. An exposure is a refill occasion the engine acted on: a message sent (treated), or a decision
   to hold the customer out (the trigger's holdout) or to leave them alone (the global control
   group). After an exposure the pair buys the product from the shop within the 14-day window
   with probability `base_conversion` untreated and `base_conversion + uplift` treated, on a day
   uniform in 1..10 after it; background buying of that pair pauses for the window, so the only
   difference between the arms is the message: THE BUILT-IN UPLIFT is `uplift`.
3. A treated customer who buys answers "yes" with probability `accept_share`; one who does not
   answers "not now" with probability `decline_share`, "stop" with `opt_out_share`, else nothing.
   A customer who answers also replies in the chat. "Remind me later" is not modelled.
4. Complaints: every exposed customer opens a complaint within the window with probability
   `base_complaint`; the deliberately harmful trigger's treated customers with
   `base_complaint + harm`. Ratings: an exposed customer rates a chat with probability
   `rating_share`, 4-5 stars with probability `positive_share`; a buyer reviews the product with
   probability `review_share`, positively with `positive_share`.

The harmful trigger is the demo's `service-due` (maintenance reminders), whose messages the model
makes provoke complaints; the automatic pause must stop it. The late-delivery apology is off (no
parcels travel in the simulation).
"""

from __future__ import annotations

import json
import random
import tempfile
import time as wallclock
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    insert,
    select,
    update,
)

from crm.db import make_engine
from crm.demo import seed_demo
from crm.migrate import upgrade
from crm.models import (
    CaseKind,
    CaseStatus,
    Channel,
    ChatRating,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    OutboxMessage,
    ProactiveAnswer,
    ProactiveDecision,
    Product,
    ProductKind,
    Review,
    SupportCase,
    Trigger,
    TriggerStatus,
)
from crm.services.proactive_answers import record_answer
from crm.uow import UnitOfWork
from outcomes.collect import collect
from outcomes.metrics import POSITIVE_RATING
from outcomes.pause import PauseSettings, pause_harmful
from outcomes.results import TriggerResult, conversion_series, trigger_results
from outcomes.store import exposures, open_outcomes
from outreach.send import Delivery, SendResult
from proactive.channels import Outgoing
from proactive.gate import Gate
from proactive.planner import plan_all
from proactive.policy import PolicySettings
from proactive.pump import Pump

HELPFUL = "consumable-refill"
HARMFUL = "service-due"
WINDOW_DAYS = 14
PUMP_HOURS = (7, 10, 13, 16, 19)  # UTC: the pump's rounds each simulated day


@dataclass(frozen=True)
class ResponseModel:
    natural_share: float = 0.35
    base_conversion: float = 0.30
    uplift: float = 0.15  # the built-in effect of a refill message on conversion
    accept_share: float = 0.6
    decline_share: float = 0.35
    opt_out_share: float = 0.01
    base_complaint: float = 0.01
    harm: float = 0.08  # the harmful trigger's extra complaint probability
    rating_share: float = 0.15
    positive_share: float = 0.8
    review_share: float = 0.1


@dataclass(frozen=True)
class SimConfig:
    customers: int = 3000
    days: int = 120
    seed: int = 7
    start: datetime = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    holdout_percent: int = 30
    control_percent: float = 10.0
    model: ResponseModel = field(default_factory=ResponseModel)
    pause: PauseSettings = field(default_factory=PauseSettings)


@dataclass(frozen=True)
class GroupMetrics:
    """The five metrics for one group of customers over the simulated period (issue 10's definitions)."""

    customers: int
    satisfaction: float | None
    retention: float | None
    average_order_value: float | None
    positive_review_share: float | None
    complaint_share: float | None


@dataclass(frozen=True)
class SimResult:
    config: SimConfig
    results: list[TriggerResult]
    paused: dict[str, tuple[datetime, str]]  # trigger -> when and why it paused
    treated_vs_control: dict[str, GroupMetrics]  # "treated" (got a message) / "control" group
    weekly: list[tuple[datetime, str, float | None]]  # week, arm, refill conversion
    seconds: float

    def helpful(self) -> TriggerResult:
        return next(r for r in self.results if r.trigger == HELPFUL)


def _tracker_table(metadata: MetaData) -> Table:
    """Rasa 3.6's SQLTrackerStore `events` table: the simulated channel writes what Rasa would."""
    return Table(
        "events",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255), nullable=False, index=True),
        Column("type_name", String(255), nullable=False),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", Text),
    )


class SimChannel:
    """Every message is shown: an external user event with the key, then the bot's message."""

    def __init__(self, tracker: Engine, events: Table, clock: Callable[[], datetime]) -> None:
        self._tracker, self._events, self._clock = tracker, events, clock
        self.sent: list[Outgoing] = []

    def address(self, uow: UnitOfWork, message: Outgoing, channel: Channel) -> str | None:
        return f"{channel.value}:sim{message.customer_id}"

    def send(self, message: Outgoing, channel: Channel, address: str | None = None) -> SendResult:
        sender = f"{channel.value}:sim{message.customer_id}"
        at = self._clock().timestamp()
        user = {
            "event": "user", "timestamp": at, "text": f"/{message.intent}", "metadata": {"is_external": True},
            "parse_data": {
                "intent": {"name": message.intent}, "entities": [{"entity": "key", "value": message.key}],
            },
        }  # fmt: skip
        bot = {"event": "bot", "timestamp": at + 0.5, "text": str(message.context.get("message", ""))}
        with self._tracker.begin() as connection:
            connection.execute(
                self._events.insert(),
                [
                    {"sender_id": sender, "type_name": "user", "timestamp": at, "data": json.dumps(user)},
                    {"sender_id": sender, "type_name": "bot", "timestamp": at + 0.5, "data": json.dumps(bot)},
                ],
            )
        self.sent.append(message)
        return SendResult(Delivery.DELIVERED, sender)

    def reply(self, sender: str, at: datetime, text: str) -> None:
        with self._tracker.begin() as connection:
            connection.execute(
                self._events.insert(),
                [{"sender_id": sender, "type_name": "user", "timestamp": at.timestamp(),
                  "data": json.dumps({"event": "user", "timestamp": at.timestamp(), "text": text})}],
            )  # fmt: skip

    def already_delivered(self, message: Outgoing, address: str) -> bool | None:
        return None


@dataclass
class _Shop:
    """What the simulation keeps in memory: pairs, prices, scheduled events."""

    pair_customer: np.ndarray
    pair_product: np.ndarray
    pair_rate: np.ndarray  # purchases per day from the history
    price: dict[int, Decimal]
    country: dict[int, str]
    blocked_until: dict[tuple[int, int], datetime] = field(default_factory=dict)
    scheduled: dict[int, list[tuple[str, dict[str, Any]]]] = field(default_factory=lambda: defaultdict(list))
    untreated_keys: set[str] = field(default_factory=set)
    order_number: int = 9_000_000
    case_number: int = 900_000


def simulate(
    config: SimConfig,
    workdir: Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> SimResult:
    """Runs the simulation in `workdir` (a fresh SQLite store, tracker and outcome log)."""
    began = wallclock.monotonic()
    rng = random.Random(config.seed)
    nprng = np.random.default_rng(config.seed)
    store = make_engine(f"sqlite:///{workdir / 'crm.db'}", create_missing=True)
    upgrade(store)
    seed_demo(store, as_of=config.start, seed=config.seed, customers=config.customers, progress=False)
    _set_up_triggers(store, config)
    tracker = create_engine(f"sqlite:///{workdir / 'tracker.db'}")
    events = _tracker_table(MetaData())
    events.metadata.create_all(tracker)
    log = open_outcomes(f"sqlite:///{workdir / 'outcomes.db'}")
    now = [config.start]

    def clock() -> datetime:
        return now[0]

    def uow() -> UnitOfWork:
        return UnitOfWork.for_engine(store)

    channel = SimChannel(tracker, events, clock)
    policy = PolicySettings(weekly_cap=3, control_percent=config.control_percent)
    pump = Pump(
        store=uow, gate=Gate(policy), clock=clock, owner="sim-pump", batch=500,
        senders={c: channel for c in (Channel.WEB, Channel.TELEGRAM, Channel.EMAIL)},
    )  # fmt: skip
    shop = _load_shop(store)
    model = config.model
    trigger_names = _trigger_names(store)
    paused: dict[str, tuple[datetime, str]] = {}
    seen_decisions = 0
    for day in range(config.days):
        midnight = config.start.replace(hour=0) + timedelta(days=day)
        now[0] = midnight + timedelta(hours=6)
        _apply_scheduled(store, shop, day, midnight, channel)
        _background_orders(store, shop, nprng, midnight, model)
        plan_all(uow(), now[0], policy)
        for hour in PUMP_HOURS:
            now[0] = midnight + timedelta(hours=hour)
            while pump.run_batch().claimed:
                pass
        for message in channel.sent:
            _respond_treated(store, shop, rng, message, trigger_names, day, model, channel)
        channel.sent.clear()
        seen_decisions = _respond_untreated(store, shop, rng, seen_decisions, trigger_names, day, model)
        now[0] = midnight + timedelta(hours=23)
        collect(uow(), log, now[0], tracker=tracker, window=timedelta(days=WINDOW_DAYS))
        for stopped in pause_harmful(uow(), log, now[0], config.pause):
            paused[stopped.trigger] = (now[0], stopped.reason)
        if progress and (day % 7 == 6 or day == config.days - 1):
            progress(f"day {day + 1}/{config.days}: {len(paused)} paused")
    end = config.start + timedelta(days=config.days)
    # Exposures whose window closed within the run: the later ones are not yet fully observed.
    measured_end = end - timedelta(days=WINDOW_DAYS)
    results = trigger_results(uow(), log, config.start, measured_end)
    # Whole weeks only: a last week of one or two days is a point of a handful of exposures.
    charted_end = config.start + timedelta(days=7 * ((measured_end - config.start).days // 7))
    series = conversion_series(
        log, config.start, charted_end, trigger_id=_trigger_id(store, HELPFUL), step=timedelta(days=7)
    )
    groups = _groups(store, log, config, end)
    store.dispose()
    tracker.dispose()
    log.dispose()
    return SimResult(
        config=config,
        results=results,
        paused=paused,
        treated_vs_control=groups,
        weekly=[(p.start, p.arm, p.conversion) for p in series],
        seconds=wallclock.monotonic() - began,
    )


def _set_up_triggers(store: Engine, config: SimConfig) -> None:
    with store.begin() as connection:
        connection.execute(
            update(Trigger).values(holdout_percent=config.holdout_percent, updated_at=config.start)
        )
        connection.execute(
            update(Trigger).where(Trigger.name == "late-delivery-apology").values(status=TriggerStatus.DRAFT)
        )
        # Plenty of sends per hour: the simulation measures responses, not the throttle.
        connection.execute(update(Trigger).values(throttle_per_hour=None))


def _trigger_names(store: Engine) -> dict[int, str]:
    with store.connect() as connection:
        return {tid: name for tid, name in connection.execute(select(Trigger.id, Trigger.name))}


def _trigger_id(store: Engine, name: str) -> int | None:
    with store.connect() as connection:
        return connection.scalar(select(Trigger.id).where(Trigger.name == name))


def _load_shop(store: Engine) -> _Shop:
    with store.connect() as connection:
        rows = connection.execute(
            select(
                Order.customer_id, OrderLine.product_id, func.count(),
                func.min(Order.placed_at), func.max(Order.placed_at),
            )
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(Product.kind == ProductKind.CONSUMABLE, Order.customer_id.is_not(None),
                   Order.status != OrderStatus.CANCELLED)
            .group_by(Order.customer_id, OrderLine.product_id)
        ).all()  # fmt: skip
        price = {pid: Decimal(str(p)) for pid, p in connection.execute(select(Product.id, Product.price))}
        country = {cid: c for cid, c in connection.execute(select(Customer.id, Customer.country))}
    customer, product, rate = [], [], []
    for customer_id, product_id, count, first, last in rows:
        first_at, last_at = _as_datetime(first), _as_datetime(last)
        span = (last_at - first_at).total_seconds() / 86400
        interval = span / (count - 1) if count > 1 and span > 0 else 60.0
        customer.append(customer_id)
        product.append(product_id)
        rate.append(1.0 / max(interval, 7.0))
    return _Shop(np.array(customer), np.array(product), np.array(rate), price, country)


def _as_datetime(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _background_orders(
    store: Engine, shop: _Shop, rng: np.random.Generator, midnight: datetime, model: ResponseModel
) -> None:
    buys = rng.random(shop.pair_rate.size) < shop.pair_rate * model.natural_share
    rows = []
    for index in np.flatnonzero(buys).tolist():
        pair = (int(shop.pair_customer[index]), int(shop.pair_product[index]))
        if shop.blocked_until.get(pair, midnight) > midnight:
            continue  # exposed: the response model decides this pair's purchase
        rows.append((pair[0], pair[1], midnight + timedelta(hours=8 + int(rng.integers(0, 12)))))
    _write_orders(store, shop, rows)


def _write_orders(store: Engine, shop: _Shop, rows: list[tuple[int, int, datetime]]) -> None:
    if not rows:
        return
    with store.begin() as connection:
        for customer_id, product_id, at in rows:
            shop.order_number += 1
            order_id = connection.execute(
                insert(Order).values(
                    number=str(shop.order_number), customer_id=customer_id, placed_at=at,
                    status=OrderStatus.DELIVERED, currency="EUR",
                    ship_country=shop.country.get(customer_id, "Germany"),
                )
            ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
            connection.execute(
                insert(OrderLine).values(
                    order_id=order_id, product_id=product_id, quantity=1, unit_price=shop.price[product_id]
                )
            )


def _subject_product(subject: str) -> int | None:
    kind, _, ref = subject.partition(":")
    return int(ref) if kind == "product" and ref.isdigit() else None


def _respond_treated(
    store: Engine,
    shop: _Shop,
    rng: random.Random,
    message: Outgoing,
    names: dict[int, str],
    day: int,
    model: ResponseModel,
    channel: SimChannel,
) -> None:
    with store.connect() as connection:
        row = connection.execute(
            select(
                OutboxMessage.trigger_id, OutboxMessage.subject,
                OutboxMessage.conversation_id, OutboxMessage.sent_at,
            )
            .where(OutboxMessage.id == message.id)
        ).one()  # fmt: skip
    trigger = names.get(row.trigger_id or -1, "")
    sent_at = _as_datetime(row.sent_at)
    answer: ProactiveAnswer | None = None
    product = _subject_product(row.subject)
    if trigger == HELPFUL and product is not None:
        buys = _exposed(
            shop, rng, message.customer_id, product, day, sent_at, model.base_conversion + model.uplift
        )
        if buys and rng.random() < model.accept_share:
            answer = ProactiveAnswer.ACCEPTED
        elif not buys:
            draw = rng.random()
            if draw < model.opt_out_share:
                answer = ProactiveAnswer.OPTED_OUT
            elif draw < model.opt_out_share + model.decline_share:
                answer = ProactiveAnswer.DECLINED
    harm = model.harm if trigger == HARMFUL else 0.0
    _aftermath(shop, rng, message.customer_id, day, model, harm)
    if answer is not None:
        at = sent_at + timedelta(minutes=rng.randint(2, 180))
        channel.reply(row.conversation_id or "", at, answer.value)
        record_answer(UnitOfWork.for_engine(store), message.key, answer, at)


def _exposed(
    shop: _Shop,
    rng: random.Random,
    customer_id: int,
    product_id: int,
    day: int,
    at: datetime,
    probability: float,
) -> bool:
    """Draws whether the pair buys within the window after an exposure; schedules the purchase."""
    pair = (customer_id, product_id)
    if shop.blocked_until.get(pair, at) > at:
        return False  # already decided by an earlier exposure within its window
    shop.blocked_until[pair] = at + timedelta(days=WINDOW_DAYS)
    if rng.random() >= probability:
        return False
    shop.scheduled[day + rng.randint(1, 10)].append(
        ("order", {"customer": customer_id, "product": product_id})
    )
    return True


def _aftermath(
    shop: _Shop, rng: random.Random, customer_id: int, day: int, model: ResponseModel, harm: float
) -> None:
    if rng.random() < model.base_complaint + harm:
        shop.scheduled[day + rng.randint(1, 10)].append(("complaint", {"customer": customer_id}))
    if rng.random() < model.rating_share:
        rating = rng.choice((4, 5)) if rng.random() < model.positive_share else rng.choice((1, 2, 3))
        shop.scheduled[day + rng.randint(1, 10)].append(
            ("rating", {"customer": customer_id, "rating": rating})
        )


def _respond_untreated(
    store: Engine,
    shop: _Shop,
    rng: random.Random,
    seen: int,
    names: dict[int, str],
    day: int,
    model: ResponseModel,
) -> int:
    """Holdout and control exposures decided since `seen` (each key once); returns the new mark."""
    with store.connect() as connection:
        rows = connection.execute(
            select(ProactiveDecision.id, ProactiveDecision.key, ProactiveDecision.trigger_id,
                   ProactiveDecision.customer_id, ProactiveDecision.decided_at)
            .where(ProactiveDecision.id > seen, ProactiveDecision.stage == "plan",
                   ProactiveDecision.reason.in_(["holdout", "control_group"]))
            .order_by(ProactiveDecision.id)
        ).all()  # fmt: skip
        last = connection.scalar(select(func.max(ProactiveDecision.id))) or seen
    for _, key, trigger_id, customer_id, decided_at in rows:
        if not key or key in shop.untreated_keys:
            continue  # decided again on a later pass: still one exposure
        shop.untreated_keys.add(key)
        parts = key.split(":")
        product = _subject_product(":".join(parts[2:4])) if len(parts) >= 4 else None
        if names.get(trigger_id or -1) == HELPFUL and product is not None:
            _exposed(shop, rng, customer_id, product, day, _as_datetime(decided_at), model.base_conversion)
        _aftermath(shop, rng, customer_id, day, model, 0.0)
    return int(last)


def _apply_scheduled(store: Engine, shop: _Shop, day: int, midnight: datetime, channel: SimChannel) -> None:
    due = shop.scheduled.pop(day, [])
    rng = random.Random(day)
    orders = []
    with store.begin() as connection:
        for kind, data in due:
            at = midnight + timedelta(hours=9 + rng.randint(0, 10), minutes=rng.randint(0, 59))
            if kind == "order":
                orders.append((data["customer"], data["product"], at))
            elif kind == "complaint":
                shop.case_number += 1
                connection.execute(
                    insert(SupportCase).values(
                        number=f"SIM-{shop.case_number}", customer_id=data["customer"],
                        kind=CaseKind.COMPLAINT, topic="complaint", description="",
                        status=CaseStatus.OPEN, opened_at=at,
                    )
                )  # fmt: skip
            elif kind == "rating":
                connection.execute(
                    insert(ChatRating).values(
                        customer_id=data["customer"], rating=data["rating"], rated_at=at
                    )
                )
    _write_orders(store, shop, orders)
    if orders:
        with store.begin() as connection:
            for customer_id, product_id, at in orders:
                if rng.random() < ResponseModel().review_share:
                    rating = (
                        rng.choice((4, 5))
                        if rng.random() < ResponseModel().positive_share
                        else rng.choice((1, 2, 3))
                    )
                    connection.execute(
                        insert(Review).values(
                            customer_id=customer_id, product_id=product_id, rating=rating, text="",
                            created_at=at + timedelta(days=3),
                        )
                    )  # fmt: skip


def _groups(store: Engine, log: Engine, config: SimConfig, end: datetime) -> dict[str, GroupMetrics]:
    """The five metrics for the customers who got a message vs the global control group's exposed."""
    with log.connect() as connection:
        arms = connection.execute(select(exposures.c.customer_id, exposures.c.arm)).all()
    treated = {c for c, arm in arms if arm == "treated"}
    control = {c for c, arm in arms if arm == "control"} - treated
    return {
        "treated": _group_metrics(store, treated, config.start, end),
        "control": _group_metrics(store, control, config.start, end),
    }


def _group_metrics(store: Engine, customers: set[int], start: datetime, end: datetime) -> GroupMetrics:
    """Issue 10's five metrics restricted to a set of customers, computed from the store's rows."""
    with store.connect() as connection:
        orders = [
            (c, _as_datetime(at), float(value or 0))
            for c, at, value in connection.execute(
                select(
                    Order.customer_id, Order.placed_at, func.sum(OrderLine.quantity * OrderLine.unit_price)
                )
                .join(OrderLine, OrderLine.order_id == Order.id)
                .where(Order.status != OrderStatus.CANCELLED, Order.customer_id.is_not(None))
                .group_by(Order.id)
            )
            if c in customers
        ]
        ratings = [
            (c, _as_datetime(at), r)
            for c, at, r in connection.execute(
                select(ChatRating.customer_id, ChatRating.rated_at, ChatRating.rating)
            )
            if c in customers
        ]
        reviews = [
            (c, _as_datetime(at), r)
            for c, at, r in connection.execute(select(Review.customer_id, Review.created_at, Review.rating))
            if c in customers
        ]
        complaints = {
            c
            for c, at in connection.execute(
                select(SupportCase.customer_id, SupportCase.opened_at).where(
                    SupportCase.kind == CaseKind.COMPLAINT
                )
            )
            if c in customers and start <= _as_datetime(at) < end
        }

    def active(at: datetime) -> set[int]:
        return {c for c, placed, _ in orders if at - timedelta(days=365) <= placed < at}

    first: dict[int, datetime] = {}
    for c, placed, _ in sorted(orders, key=lambda o: o[1]):
        first.setdefault(c, placed)
    new = {c for c, placed in first.items() if start <= placed < end}
    at_start, at_end = active(start), active(end)
    in_period = [v for _, placed, v in orders if start <= placed < end]
    all_ratings = [r for _, at, r in ratings + reviews if start <= at < end]
    period_reviews = [r for _, at, r in reviews if start <= at < end]

    def ratio(a: float, b: float) -> float | None:
        return a / b if b else None

    return GroupMetrics(
        customers=len(customers),
        satisfaction=ratio(sum(r >= POSITIVE_RATING for r in all_ratings), len(all_ratings)),
        retention=ratio(len(at_end) - len(new), len(at_start)),
        average_order_value=ratio(sum(in_period), len(in_period)),
        positive_review_share=ratio(sum(r >= POSITIVE_RATING for r in period_reviews), len(period_reviews)),
        complaint_share=ratio(len(complaints), len(at_end)),
    )


@contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="simulation-") as name:
        yield Path(name)


def report(result: SimResult) -> str:
    """The simulation's findings as text: recovered uplift, pauses, the five metrics."""
    helpful = result.helpful()
    conversion = helpful.comparison("conversion")
    built_in = result.config.model.uplift
    lines = [
        f"Simulated {result.config.days} days, {result.config.customers:,} customers, "
        f"seed {result.config.seed} ({result.seconds:.0f} s)",
        "",
        f"{HELPFUL}: treated {helpful.counts['treated'].exposures:,}, "
        f"holdout {helpful.counts['holdout'].exposures:,}, "
        f"control {helpful.counts['control'].exposures:,} exposures",
    ]
    vs = conversion.vs_holdout
    if vs is not None:
        inside = "inside" if vs.contains(built_in) else "OUTSIDE"
        lines.append(
            f"  conversion uplift vs holdout: {vs.estimate:+.1%} [{vs.low:+.1%}, {vs.high:+.1%}]; built in: "
            f"{built_in:+.1%} ({inside} the 95 % interval)"
        )
    if conversion.vs_control is not None:
        vc = conversion.vs_control
        lines.append(f"  conversion uplift vs control: {vc.estimate:+.1%} [{vc.low:+.1%}, {vc.high:+.1%}]")
    lines.append("")
    for name, (at, reason) in sorted(result.paused.items()):
        day = (at - result.config.start).days + 1
        lines.append(f"paused {name} on day {day}: {reason}")
    if not result.paused:
        lines.append("no trigger paused")
    lines += ["", "The five metrics over the period, customers who got a message vs the control group:"]
    header = f"  {'metric':<24}{'treated':>10}{'control':>10}"
    lines.append(header)
    t, c = result.treated_vs_control["treated"], result.treated_vs_control["control"]
    for label, attribute, money in (
        ("satisfaction level", "satisfaction", False),
        ("retention rate", "retention", False),
        ("average order value", "average_order_value", True),
        ("positive review share", "positive_review_share", False),
        ("complaint share", "complaint_share", False),
    ):
        lines.append(
            f"  {label:<24}{_fmt(getattr(t, attribute), money):>10}{_fmt(getattr(c, attribute), money):>10}"
        )
    lines.append(f"  {'customers':<24}{t.customers:>10,}{c.customers:>10,}")
    return "\n".join(lines)


def _fmt(value: float | None, money: bool) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.2f}" if money else f"{value:.1%}"


def chart(result: SimResult) -> str:
    """A hand-written SVG: weekly refill conversion per arm, the built-in uplift, and the pauses."""
    width, height, left, top, bottom = 720, 320, 60, 40, 50
    plot_w, plot_h = width - left - 20, height - top - bottom
    weeks = sorted({w for w, _, _ in result.weekly})
    colours = {"treated": "#1f77b4", "holdout": "#ff7f0e", "control": "#7f7f7f"}
    top_value = max([v for _, _, v in result.weekly if v is not None] + [0.6])

    def x(index: int) -> float:
        return left + (plot_w * index / max(len(weeks) - 1, 1))

    def y(value: float) -> float:
        return top + plot_h * (1 - value / top_value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="{left}" y="20" font-size="14">Simulation: weekly conversion of {HELPFUL} '
        f"exposures, by arm (built-in uplift {result.config.model.uplift:+.0%})</text>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>',
    ]
    for tick in np.linspace(0, top_value, 5):
        parts.append(f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.0%}</text>')
        parts.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" stroke="#eee"/>'
        )
    for arm, colour in colours.items():
        points = [(weeks.index(w), v) for w, a, v in result.weekly if a == arm and v is not None]
        if len(points) >= 2:
            path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for index, (arm, colour) in enumerate(colours.items()):
        parts.append(
            f'<rect x="{left + 10 + index * 110}" y="{height - 22}" width="12" height="12" fill="{colour}"/>'
        )
        parts.append(f'<text x="{left + 26 + index * 110}" y="{height - 12}">{arm}</text>')
    for index in range(len(weeks)):
        parts.append(
            f'<text x="{x(index):.1f}" y="{top + plot_h + 16}" text-anchor="middle">w{index + 1}</text>'
        )
    notes = [
        f"{name} paused automatically on day {(at - result.config.start).days + 1}"
        for name, (at, _) in result.paused.items()
    ]
    helpful = result.helpful().comparison("conversion").vs_holdout
    if helpful is not None:
        notes.insert(0, f"recovered uplift {helpful.estimate:+.1%} [{helpful.low:+.1%}, {helpful.high:+.1%}]")
    for index, note in enumerate(notes):
        parts.append(
            f'<text x="{left + plot_w}" y="{top + 14 + 16 * index}" text-anchor="end" '
            f'fill="#444">{note}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def run_command(customers: int, days: int, seed: int, chart_path: str) -> int:
    """`python -m outcomes simulate`: runs, prints the report, writes the chart."""
    if customers < 100 or not 14 < days <= 730:
        print("error: at least 100 customers and 15..730 days", flush=True)
        return 2
    config = SimConfig(customers=customers, days=days, seed=seed)
    print(
        f"simulating {days} days of {customers:,} customers (the demo shop is generated first) ...",
        flush=True,
    )
    with _workdir(None) as workdir:
        result = simulate(config, workdir, progress=lambda line: print(f"  {line}", flush=True))
    print(report(result))
    path = Path(chart_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(chart(result), encoding="utf-8")
    print(f"\nchart: {path}")
    return 0
