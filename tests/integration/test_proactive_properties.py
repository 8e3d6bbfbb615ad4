"""Property test: random customers and clocks through the real planner, gate and a simulated pump.

Hypothesis draws customers (time zones, quiet hours, weekly maximums, consents that change while
the week runs, complaints, Telegram links), trigger windows, a kill-switch span and a week of
scoring passes and pump runs across the Berlin spring-forward night; two triggers share one
predictor, so they compete for the same subjects. Every message the pump sends is logged; an
independent checker (`tests.support.send_log_checker`, which imports none of the policy code)
replays the log and must find no message that broke consent, quiet hours, the window, the cap,
a complaint, the kill switch or the one-message-per-subject rule.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from crm.db import make_engine
from crm.migrate import upgrade
from crm.models import (
    CaseKind,
    CaseStatus,
    Channel,
    ChannelIdentity,
    CommunicationPreferences,
    Consent,
    ConsentPurpose,
    ConsentSource,
    Customer,
    Device,
    LinkState,
    MessageStyle,
    OrderStatus,
    OutboxMessage,
    OutboxState,
    ProactiveSwitch,
    Product,
    ProductKind,
    SupportCase,
    Trigger,
)
from crm.uow import UnitOfWork
from proactive.gate import Gate
from proactive.planner import plan_all
from proactive.policy import PolicySettings
from proactive.triggers import seed_triggers
from tests.support.send_log_checker import ConsentEvent, Rules, Sent, violations
from tests.support.shops import add_history_order

# About 30 s of CPU on the project's machines; PROACTIVE_PROPERTY_EXAMPLES=300 for a long hunt.
EXAMPLES = int(os.environ.get("PROACTIVE_PROPERTY_EXAMPLES", "25"))
# Wednesday before the Berlin spring-forward night (29 March 2026) and the week after it.
START = datetime(2026, 3, 25, 0, 0, tzinfo=UTC)
WEEK_MINUTES = 7 * 24 * 60
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Europe/London",
    "UTC",
    "Australia/Adelaide",
)
CHANNELS = tuple(Channel)
PURPOSES = tuple(ConsentPurpose)


@dataclass(frozen=True)
class Person:
    zone: str
    quiet: tuple[time, time] | None
    max_per_week: int
    preferred: Channel
    telegram: bool
    signup_consents: frozenset[tuple[ConsentPurpose, Channel]]
    changes: tuple[tuple[int, ConsentPurpose, Channel, bool], ...]  # minutes after START
    complaint: tuple[int, int | None] | None  # opened, closed: minutes after START
    refill_days_ago: int
    device_days_ago: int
    late_parcel: bool


def _times() -> st.SearchStrategy[time]:
    return st.builds(time, st.integers(0, 23), st.sampled_from((0, 30)))


people = st.builds(
    Person,
    zone=st.sampled_from(ZONES),
    quiet=st.none() | st.tuples(_times(), _times()),
    max_per_week=st.integers(0, 4),
    preferred=st.sampled_from(CHANNELS),
    telegram=st.booleans(),
    signup_consents=st.frozensets(st.tuples(st.sampled_from(PURPOSES), st.sampled_from(CHANNELS))),
    changes=st.lists(
        st.tuples(
            st.integers(0, WEEK_MINUTES), st.sampled_from(PURPOSES), st.sampled_from(CHANNELS), st.booleans()
        ),
        max_size=3,
    ).map(tuple),
    complaint=st.none()
    | st.tuples(st.integers(-3000, WEEK_MINUTES), st.none() | st.integers(0, WEEK_MINUTES)),
    refill_days_ago=st.integers(18, 32),
    device_days_ago=st.integers(355, 372),
    late_parcel=st.booleans(),
)
windows = st.tuples(_times(), _times())


@dataclass(frozen=True)
class World:
    people: list[Person]
    clocks: list[int]  # scoring passes: minutes after START, sorted
    pump_clocks: list[int]  # extra pump runs between them (the pump also runs at every pass)
    windows: tuple[tuple[time, time], tuple[time, time], tuple[time, time]]
    weekly_cap: int
    kill_switch: tuple[int, int] | None  # on from, off at: minutes after START


worlds = st.builds(
    World,
    people=st.lists(people, min_size=35, max_size=55),
    clocks=st.lists(st.integers(0, WEEK_MINUTES), min_size=6, max_size=12, unique=True).map(sorted),
    pump_clocks=st.lists(st.integers(0, WEEK_MINUTES), min_size=10, max_size=40, unique=True).map(sorted),
    windows=st.tuples(windows, windows, windows),
    weekly_cap=st.integers(1, 3),
    kill_switch=st.none()
    | st.tuples(st.integers(0, WEEK_MINUTES), st.integers(60, 3 * 24 * 60)).map(
        lambda span: (span[0], span[0] + span[1])
    ),
)


def _at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def _build(engine: Engine, world: World) -> dict[int, Rules]:
    rules: dict[int, Rules] = {}
    with Session(engine) as session:
        machine = Product(
            sku="CM",
            name="Capsule machine",
            category="coffee",
            kind=ProductKind.DEVICE,
            price=Decimal("99"),
            service_interval_days=365,
        )
        capsules = Product(
            sku="CAP",
            name="Capsules",
            category="coffee",
            kind=ProductKind.CONSUMABLE,
            price=Decimal("17.5"),
            use_up_days=25,
        )
        session.add_all([machine, capsules])
        session.flush()
        signup = START - timedelta(days=800)
        for index, person in enumerate(world.people):
            customer = Customer(
                external_ref=f"P{index:05d}",
                name=f"Person {index}",
                email=f"p{index}@example.com",
                time_zone=person.zone,
                language="en",
                country="Germany",
                created_at=signup,
            )
            session.add(customer)
            session.flush()
            linked = {Channel.WEB} | ({Channel.TELEGRAM} if person.telegram else set())
            for channel in linked:
                session.add(
                    ChannelIdentity(
                        customer_id=customer.id,
                        channel=channel,
                        external_id=f"{channel}-{index}",
                        link_state=LinkState.LINKED,
                        linked_at=signup,
                    )
                )
            session.add(
                CommunicationPreferences(
                    customer_id=customer.id,
                    preferred_channel=person.preferred,
                    quiet_hours_start=person.quiet[0] if person.quiet else None,
                    quiet_hours_end=person.quiet[1] if person.quiet else None,
                    max_proactive_per_week=person.max_per_week,
                    message_style=MessageStyle.SHORT,
                )
            )
            events = [ConsentEvent(signup, p.value, c.value, True) for p, c in sorted(person.signup_consents)]
            events += [ConsentEvent(_at(m), p.value, c.value, g) for m, p, c, g in person.changes]
            for event in events:
                session.add(
                    Consent(
                        customer_id=customer.id,
                        purpose=ConsentPurpose(event.purpose),
                        channel=Channel(event.channel),
                        granted=event.granted,
                        recorded_at=event.recorded_at,
                        source=ConsentSource.CHAT,
                    )
                )
                session.flush()  # insertion order decides ties, as the checker assumes
            complaints: list[tuple[datetime, datetime | None]] = []
            if person.complaint is not None:
                opened = _at(person.complaint[0])
                closed = _at(person.complaint[1]) if person.complaint[1] is not None else None
                if closed is not None and closed <= opened:
                    closed = opened + timedelta(hours=1)
                complaints.append((opened, closed))
                session.add(
                    SupportCase(
                        number=f"CS-{index + 1}",
                        customer_id=customer.id,
                        kind=CaseKind.COMPLAINT,
                        topic="damaged item",
                        status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
                        opened_at=opened,
                        closed_at=closed,
                    )
                )
            last = START - timedelta(days=person.refill_days_ago)
            for back in (50, 25, 0):
                placed = last - timedelta(days=back)
                add_history_order(
                    session,
                    customer,
                    f"{index:05d}{back:02d}",
                    [(capsules, 1)],
                    [
                        (OrderStatus.PLACED, placed, None),
                        (OrderStatus.DELIVERED, placed + timedelta(days=1), None),
                    ],
                )
            session.add(
                Device(
                    customer_id=customer.id,
                    product_id=machine.id,
                    serial=f"S{index:05d}",
                    purchased_on=(START - timedelta(days=person.device_days_ago)).date(),
                    last_service_on=None,
                    warranty_ends_on=date(2028, 1, 1),
                )
            )
            if person.late_parcel:
                shipped = START - timedelta(days=6)
                add_history_order(
                    session,
                    customer,
                    f"{index:05d}99",
                    [(machine, 1)],
                    [(OrderStatus.PLACED, shipped, None), (OrderStatus.SHIPPED, shipped, "Handed to DHL")],
                    promised=(START - timedelta(days=2)).date(),
                    carrier="DHL",
                )
            rules[customer.id] = Rules(
                zone=person.zone,
                quiet=person.quiet,
                max_per_week=person.max_per_week,
                consents=events,
                complaints=complaints,
                linked=frozenset(c.value for c in linked),
            )
        session.commit()
    return rules


def _run(engine: Engine, world: World, totals: Counter[str]) -> tuple[list[Sent], dict[int, Rules]]:
    rules = _build(engine, world)
    seed_triggers(UnitOfWork.for_engine(engine), START)
    policy = PolicySettings(weekly_cap=world.weekly_cap, control_percent=5)
    with Session(engine) as session:
        for (start, end), name in zip(
            world.windows, ("consumable-refill", "service-due", "late-delivery-apology"), strict=True
        ):
            session.execute(
                update(Trigger).where(Trigger.name == name).values(window_start=start, window_end=end)
            )
        # A second trigger on the same predictor: the two must never both write about one subject.
        twin = session.scalars(select(Trigger).where(Trigger.name == "consumable-refill")).one()
        session.add(
            Trigger(
                **{
                    column: getattr(twin, column)
                    for column in (c.name for c in Trigger.__table__.columns)
                    if column not in ("id", "name")
                },
                name="consumable-refill-twin",
            )
        )
        session.commit()
        triggers = {
            t.id: ((t.window_start, t.window_end), t.cooldown_days) for t in session.scalars(select(Trigger))
        }
    gate = Gate(policy)
    log: list[Sent] = []
    passes = set(world.clocks)
    for minutes in sorted(passes | set(world.pump_clocks)):
        now = _at(minutes)
        if world.kill_switch is not None:
            on = world.kill_switch[0] <= minutes < world.kill_switch[1]
            with Session(engine) as session:
                session.merge(ProactiveSwitch(name="kill", on=on, changed_at=now, changed_by="test"))
                session.commit()
        if minutes in passes:
            for summary in plan_all(UnitOfWork.for_engine(engine), now, policy):
                totals.update({f"plan:{reason}": n for reason, n in summary.reasons.items()})
        with UnitOfWork.for_engine(engine) as uow:
            due = uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.not_before <= now)
                .order_by(OutboxMessage.not_before, OutboxMessage.id)
            ).all()
            for message in due:
                verdict = gate(uow, message, now)
                totals[f"send:{verdict.reason}"] += 1
                if verdict.allowed:
                    assert verdict.channel is not None
                    message.state, message.sent_at, message.channel = OutboxState.SENT, now, verdict.channel
                    log.append(
                        Sent(
                            message.customer_id,
                            now,
                            verdict.channel.value,
                            message.category.value,
                            triggers[message.trigger_id or 0][0],
                            message.subject,
                            triggers[message.trigger_id or 0][1],
                        )
                    )
                elif verdict.retry_at is not None:
                    message.not_before = verdict.retry_at
                else:
                    message.state = OutboxState.SUPPRESSED
                uow.session.flush()
            uow.commit()
    totals["customers"] += len(world.people)
    totals["clocks"] += len(passes | set(world.pump_clocks))
    totals["scoring passes"] += len(passes)
    totals["sent"] += len(log)
    return log, rules


def test_no_sent_message_breaks_consent_quiet_hours_the_window_or_the_cap(tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    engine = make_engine(f"sqlite:///{template}", create_missing=True)
    upgrade(engine)
    engine.dispose()
    totals: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(world=worlds)
    def check(world: World) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "crm.db"
            shutil.copy(template, path)
            store = make_engine(f"sqlite:///{path}")
            try:
                log, rules = _run(store, world, totals)
            finally:
                store.dispose()
        stopped = [(_at(world.kill_switch[0]), _at(world.kill_switch[1]))] if world.kill_switch else []
        problems = violations(log, rules, world.weekly_cap, stopped)
        assert not problems, "\n".join(problems[:10])

    check()
    blocked = sum(
        n for key, n in totals.items() if key.startswith(("plan:", "send:")) and not key.endswith(":ok")
    )
    print(
        f"\nproperty test: {totals['customers']} customers, {totals['clocks']} clocks "
        f"({totals['scoring passes']} with a scoring pass), "
        f"{totals['sent']} sent, "
        f"{blocked} blocked or deferred decisions; by reason: "
        + ", ".join(f"{key} {n}" for key, n in sorted(totals.items()) if ":" in key)
    )
    # The test means something only if the engine both sent and refused along the way.
    assert totals["sent"] > 3 * EXAMPLES and totals["send:quiet_hours"] + totals["plan:quiet_hours"] > 0
    assert totals["plan:no_consent"] > 0 and totals["plan:cap"] + totals["send:cap"] > 0
