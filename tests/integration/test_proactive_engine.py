"""The proactive engine on a real store: predictors on known histories, planning, the send gate, replay."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from crm.demo import seed_demo
from crm.models import (
    Base,
    Channel,
    ChannelIdentity,
    CommunicationPreferences,
    ConsentPurpose,
    Customer,
    OrderStatus,
    OutboxMessage,
    OutboxState,
    ProactiveDecision,
    ProactiveSwitch,
    Product,
    Trigger,
)
from crm.uow import UnitOfWork
from proactive.audience import in_audience
from proactive.gate import Gate
from proactive.planner import plan_all, plan_trigger
from proactive.policy import PolicySettings
from proactive.predictors import delivery_risk, maintenance, replenishment
from proactive.predictors.base import start_of
from proactive.replay import replay
from proactive.triggers import parse_audience, seed_triggers
from tests.support.live import E2E_CUSTOMERS, E2E_NOW
from tests.support.proactive_shop import NOW, TODAY, ShopIds, consent, proactive_shop
from tests.support.shops import add_history_order
from tests.support.situations import add_situations

# Anna's capsules: every 28 days, last 28 days ago, shrunk toward 25 (see the first test).
ANNA_RUNS_OUT = NOW - timedelta(days=28 - math.sqrt(28 * 25))

NO_CONTROL = PolicySettings(weekly_cap=3, control_percent=0)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The same tests on SQLite and on PostgreSQL."""
    yield request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")


@pytest.fixture
def shop(store: Engine) -> ShopIds:
    return proactive_shop(store)


def _uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork.for_engine(engine)


def _seed(engine: Engine, **changes: object) -> None:
    """The demo triggers with no holdout (so every test customer is eligible) plus `changes`."""
    seed_triggers(_uow(engine), NOW)
    with Session(engine) as session:
        session.execute(update(Trigger).values(**{"holdout_percent": 0, **changes}))
        session.commit()


def _rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
        }


def test_replenishment_on_postgresql_reads_the_history_by_binary_copy_alike(postgres_store: Engine) -> None:
    # PostgreSQL reads the lines by `COPY ... (FORMAT binary)`: the same candidates and dates.
    shop = proactive_shop(postgres_store)
    with _uow(postgres_store) as uow:
        found = {c.customer_id: c for c in replenishment.candidates(uow, NOW, horizon_days=3)}
        later = {c.customer_id for c in replenishment.candidates(uow, NOW, horizon_days=5)}
    assert set(found) == {shop.anna, shop.ben}
    assert abs(found[shop.anna].due_at - ANNA_RUNS_OUT) < timedelta(seconds=1)
    assert found[shop.ben].due_at == NOW + timedelta(days=2)
    assert found[shop.anna].facts["purchases"] == 3 and found[shop.anna].facts["quantity"] == 1
    assert shop.carla in later and shop.dana not in later


def test_replenishment_dates_from_the_customers_own_rhythm(store: Engine, shop: ShopIds) -> None:
    with _uow(store) as uow:
        found = {c.customer_id: c for c in replenishment.candidates(uow, NOW, horizon_days=3)}
    # Anna: every 28 days (two intervals), shrunk toward 25 with weight 1/2 on the log scale (the
    # backtested estimator): sqrt(28 x 25) = 26.46 days, so she ran out 1.54 days ago.
    # Ben: one purchase of two packs: the product's 2 x 25 days. Cancelled and returned orders
    # since then count for nothing; Carla runs out in 5 days; Dana's only order was returned.
    assert set(found) == {shop.anna, shop.ben}
    assert abs(found[shop.anna].due_at - ANNA_RUNS_OUT) < timedelta(seconds=1)
    assert found[shop.ben].due_at == NOW + timedelta(days=2)
    assert found[shop.anna].subject == f"product:{shop.capsules}"
    assert found[shop.anna].facts | {"product_id": 0} == {
        "product_id": 0, "product": "Barista espresso capsules, 50 pack", "quantity": 1, "days_since": 28,
        "usual_days": 26, "due_date": ANNA_RUNS_OUT.date().isoformat(), "purchases": 3,
        "due_day": "Wednesday 18 November",
    }  # fmt: skip
    assert found[shop.anna].confidence > found[shop.ben].confidence
    with _uow(store) as uow:
        later = {c.customer_id for c in replenishment.candidates(uow, NOW, horizon_days=5)}
    assert shop.carla in later and shop.dana not in later


def test_maintenance_from_purchase_or_service_and_the_warranty(store: Engine, shop: ShopIds) -> None:
    with _uow(store) as uow:
        found = {c.customer_id: c for c in maintenance.candidates(uow, NOW, horizon_days=3)}
    assert set(found) == {shop.anna, shop.dana}
    assert found[shop.anna].due_at == start_of(TODAY + timedelta(days=2))
    assert found[shop.anna].facts["since_what"] == "bought" and found[shop.anna].facts["days_since"] == 363
    # Dana's service is due in 30 days, but the warranty ends then: the check comes now.
    assert found[shop.dana].due_at == start_of(TODAY)
    assert found[shop.dana].facts["before_warranty_end"] is True
    assert found[shop.dana].facts["service_date"] == (TODAY + timedelta(days=30)).isoformat()


def test_delivery_risk_finds_the_late_parcel_with_its_real_status(store: Engine, shop: ShopIds) -> None:
    with _uow(store) as uow:
        found = delivery_risk.candidates(uow, NOW)
        earlier = delivery_risk.candidates(uow, NOW - timedelta(days=3))
    assert [(c.customer_id, c.subject) for c in found] == [(shop.anna, "order:3000010")]
    assert found[0].facts["days_late"] == 2
    assert found[0].facts["status"] == "on its way with DHL"
    assert found[0].facts["last_update"] == "Handed to DHL"
    assert earlier == []  # three days ago it was not late yet


def test_planning_writes_rows_and_decisions_once(engine: Engine) -> None:
    shop = proactive_shop(engine)
    _seed(engine)
    first = plan_all(_uow(engine), NOW, NO_CONTROL)
    after_first = _rows(engine)
    second = plan_all(_uow(engine), NOW, NO_CONTROL)
    assert _rows(engine) == after_first  # idempotent: no new rows, no new decisions
    assert sum(s.planned for s in first) == 4 and sum(s.planned for s in second) == 0
    assert sum(s.already_planned for s in second) == 4
    with Session(engine) as session:
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.key)).all()
        decisions = session.execute(
            select(ProactiveDecision.customer_id, ProactiveDecision.reason, ProactiveDecision.channel)
        ).all()
    assert sorted(m.key for m in messages) == sorted(
        [
            f"consumable-refill:{shop.anna}:product:{shop.capsules}:{ANNA_RUNS_OUT.date()}",
            f"late-delivery-apology:{shop.anna}:order:3000010:{TODAY - timedelta(days=1)}",
            f"service-due:{shop.anna}:device:CM100A:{TODAY + timedelta(days=2)}",
            f"service-due:{shop.dana}:device:CM100D:{TODAY}",
        ]
    )
    assert all(m.state is OutboxState.PENDING and m.not_before == NOW for m in messages)
    refill = next(m for m in messages if m.key.startswith("consumable-refill"))
    context = json.loads(refill.context)
    assert refill.intent == "EXTERNAL_replenishment" and refill.category is ConsentPurpose.MARKETING
    assert context["message"] == (
        "Hi Anna, you last ordered Barista espresso capsules, 50 pack 28 days ago, and that usually "
        "lasts you about 26 days. Shall I reorder 1 for you?"
    )
    assert (context["product_id"], context["quantity"], context["kind"]) == (
        shop.capsules,
        1,
        "replenishment",
    )
    late = next(m for m in messages if m.intent == "EXTERNAL_delivery_late")
    assert json.loads(late.context)["order"] == "3000010"
    # Ben has no marketing consent: a decision with its reason, and no message.
    assert sorted((cid, reason) for cid, reason, _ in decisions) == sorted(
        [(shop.anna, "ok")] * 3 + [(shop.dana, "ok"), (shop.ben, "no_consent")]
    )
    assert {channel for cid, _, channel in decisions if cid == shop.anna} == {Channel.TELEGRAM}


def test_held_out_customers_get_a_decision_and_no_message(store: Engine, shop: ShopIds) -> None:
    _seed(store, holdout_percent=90)
    plan_all(_uow(store), NOW, NO_CONTROL)
    with Session(store) as session:
        held = session.scalars(
            select(ProactiveDecision.key).where(ProactiveDecision.reason == "holdout")
        ).all()
        keys = set(session.scalars(select(OutboxMessage.key)))
    assert held and not set(held) & keys


def test_the_throttle_and_the_window_set_not_before(store: Engine, shop: ShopIds) -> None:
    _seed(store, throttle_per_hour=1)
    summary = plan_trigger(_uow(store), "service-due", NOW, NO_CONTROL)
    assert summary.reasons == {"ok": 1, "throttle": 1}
    with Session(store) as session:
        times = dict(session.execute(select(OutboxMessage.customer_id, OutboxMessage.not_before)).all())
    assert times == {shop.dana: NOW, shop.anna: NOW.replace(hour=13)}
    # At 22:30 in Berlin the window is shut: planned for 09:00 Berlin (08:00 UTC) tomorrow.
    night = NOW.replace(hour=21, minute=30)
    plan_trigger(_uow(store), "late-delivery-apology", night, NO_CONTROL)
    with Session(store) as session:
        late = session.scalars(
            select(OutboxMessage).where(OutboxMessage.intent == "EXTERNAL_delivery_late")
        ).one()
        reason = session.scalar(select(ProactiveDecision.reason).where(ProactiveDecision.key == late.key))
    assert late.not_before == (NOW + timedelta(days=1)).replace(hour=7) and reason == "outside_window"


def test_the_gate_checks_again_at_send_time_and_records_it(engine: Engine) -> None:
    shop = proactive_shop(engine)
    _seed(engine)
    plan_all(_uow(engine), NOW, NO_CONTROL)
    gate = Gate(NO_CONTROL)
    later = NOW + timedelta(hours=2)
    with _uow(engine) as uow:
        refill = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.intent == "EXTERNAL_replenishment")
        ).one()
        assert gate(uow, refill, later).allowed
        # Anna withdraws marketing consent everywhere after the message was planned.
        anna = uow.session.get_one(Customer, shop.anna)
        for channel in Channel:
            consent(uow.session, anna, ConsentPurpose.MARKETING, channel, False, NOW + timedelta(hours=1))
        uow.session.flush()
        assert gate(uow, refill, later).reason == "no_consent"
        uow.session.add(ProactiveSwitch(name="kill", on=True, changed_at=later, changed_by="test"))
        uow.session.flush()
        service = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.customer_id == shop.dana)
        ).one()
        assert gate(uow, service, later).reason == "kill_switch"
        uow.commit()
    with Session(engine) as session:
        sends = session.execute(
            select(ProactiveDecision.key, ProactiveDecision.reason).where(ProactiveDecision.stage == "send")
        ).all()
    assert [reason for _, reason in sends] == ["ok", "no_consent", "kill_switch"]


def test_the_cap_counts_service_sends_and_blocks_marketing_at_send_time(store: Engine, shop: ShopIds) -> None:
    _seed(store)
    plan_all(_uow(store), NOW, NO_CONTROL)
    with _uow(store) as uow:
        for message in uow.session.scalars(select(OutboxMessage).where(OutboxMessage.category == "service")):
            message.state, message.sent_at = OutboxState.SENT, NOW
        uow.session.flush()
        refill = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.category == "marketing")).one()
        # Anna got two service messages (late parcel, machine); her weekly maximum is 3.
        assert Gate(NO_CONTROL)(uow, refill, NOW + timedelta(hours=1)).allowed
        assert (
            Gate(PolicySettings(weekly_cap=2, control_percent=0))(
                uow, refill, NOW + timedelta(hours=1)
            ).reason
            == "cap"
        )


def test_replay_counts_by_reason_with_consents_as_they_were_and_writes_nothing(
    store: Engine, shop: ShopIds
) -> None:
    _seed(store)
    before = _rows(store)
    start, end = TODAY - timedelta(days=30), TODAY
    report = replay(_uow(store), "consumable-refill", start, end, settings=NO_CONTROL)
    # Anna ran out 30 days ago and 1.5 days ago: two messages; Ben never allowed marketing.
    assert (report.occasions, report.would_send, report.recipients) == (3, 2, {"C80001"})
    assert report.blocked == {"no_consent": 1}
    assert [s.at.date() for s in report.sample] == [start, TODAY - timedelta(days=4)]
    # She withdrew marketing consent ten days ago: the first message still went, the second not.
    with Session(store) as session:
        anna = session.get_one(Customer, shop.anna)
        for channel in Channel:
            consent(session, anna, ConsentPurpose.MARKETING, channel, False, NOW - timedelta(days=10))
        session.commit()
    before = _rows(store)
    report = replay(_uow(store), "consumable-refill", start, end, settings=NO_CONTROL)
    assert (report.would_send, report.blocked) == (1, {"no_consent": 2})
    assert _rows(store) == before


def test_a_draft_trigger_can_be_replayed_and_a_paused_one_plans_nothing(store: Engine, shop: ShopIds) -> None:
    _seed(store, status="paused")
    assert plan_trigger(_uow(store), "consumable-refill", NOW, NO_CONTROL).planned == 0
    assert (
        replay(
            _uow(store), "consumable-refill", TODAY - timedelta(days=5), TODAY, settings=NO_CONTROL
        ).would_send
        == 1
    )


def test_the_demo_seed_ships_triggers_and_customers_due_now_on_every_channel(store: Engine) -> None:
    seed_demo(store, as_of=E2E_NOW, customers=E2E_CUSTOMERS, progress=False)
    add_situations(store, E2E_NOW)  # the end-to-end shop: every message must render there too
    assert seed_triggers(_uow(store), E2E_NOW) == []  # already there: seeding again adds nothing
    summaries = plan_all(_uow(store), E2E_NOW, PolicySettings())
    assert {s.trigger for s in summaries} == {"consumable-refill", "service-due", "late-delivery-apology"}
    assert all(s.planned > 0 and "template_error" not in s.reasons for s in summaries)
    with Session(store) as session:
        planned = session.execute(
            select(
                OutboxMessage.customer_id, CommunicationPreferences.preferred_channel, OutboxMessage.context
            )
            .join(CommunicationPreferences, CommunicationPreferences.customer_id == OutboxMessage.customer_id)
            .where(OutboxMessage.not_before <= E2E_NOW)
        ).all()
        telegram = set(
            session.scalars(
                select(ChannelIdentity.customer_id).where(ChannelIdentity.channel == Channel.TELEGRAM)
            )
        )
    due_now = {(cid, preferred) for cid, preferred, _ in planned}
    assert any(preferred is Channel.TELEGRAM and cid in telegram for cid, preferred in due_now)
    assert any(preferred is Channel.WEB and cid not in telegram for cid, preferred in due_now)
    assert any(preferred is Channel.EMAIL for _, preferred in due_now)
    messages = [json.loads(context)["message"] for _, _, context in planned]
    assert all("days ago" in text or "sorry" in text for text in messages)  # each says why


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ({}, {"anna", "ben"}),
        ({"customer_refs": ["C80002"]}, {"ben"}),
        ({"countries": ["Austria"]}, set()),
        ({"min_orders": 2}, {"anna", "ben"}),
        ({"min_orders": 3}, {"anna"}),  # Anna: 4 orders; Ben: 2, his cancelled one does not count
        ({"min_orders": 5}, set()),
        ({"kinds": ["device"]}, set()),
        ({"categories": ["coffee"], "min_confidence": 0.5}, {"anna"}),  # Ben's single purchase: 0.3
    ],
)
def test_the_audience_filter(
    store: Engine, shop: ShopIds, audience: dict[str, object], expected: set[str]
) -> None:
    names = {shop.anna: "anna", shop.ben: "ben"}
    with _uow(store) as uow:
        found = in_audience(uow, parse_audience(audience), replenishment.candidates(uow, NOW, horizon_days=3))
    assert {names[c.customer_id] for c in found} == expected


def test_messages_being_sent_use_the_cap_whenever_they_were_due(store: Engine, shop: ShopIds) -> None:
    _seed(store)
    plan_all(_uow(store), NOW, NO_CONTROL)
    later = NOW + timedelta(days=9)
    with _uow(store) as uow:
        for message in uow.session.scalars(select(OutboxMessage).where(OutboxMessage.category == "service")):
            message.state = OutboxState.SENDING  # claimed by a pump now, though due nine days ago
        uow.session.flush()
        refill = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.category == "marketing")).one()
        verdict = Gate(PolicySettings(weekly_cap=2, control_percent=0))(uow, refill, later.replace(hour=10))
    assert verdict.reason == "cap"


def test_a_late_parcel_without_a_carrier_note_still_gets_its_apology(store: Engine, shop: ShopIds) -> None:
    with Session(store) as session:
        ben = session.get_one(Customer, shop.ben)
        machine = session.get_one(Product, shop.machine)
        shipped = NOW - timedelta(days=5)
        add_history_order(
            session,
            ben,
            "3000040",
            [(machine, 1)],
            [(OrderStatus.PLACED, shipped, None), (OrderStatus.SHIPPED, shipped, None)],
            promised=TODAY - timedelta(days=1),
        )
        session.commit()
    _seed(store)
    assert plan_trigger(_uow(store), "late-delivery-apology", NOW, NO_CONTROL).reasons == {"ok": 2}
    with Session(store) as session:
        context = session.scalar(
            select(OutboxMessage.context).where(OutboxMessage.subject == "order:3000040")
        )
    assert json.loads(context or "{}")["message"] == (
        "Hi Ben, we're sorry: your order 3000040 should have arrived by Thursday 19 November and it is "
        "still on its way (latest update: shipped on Sunday 15 November). Shall we chase the carrier for you?"
    )
