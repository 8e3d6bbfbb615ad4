"""A small store and outcome log whose dashboard figures are worked out by hand (see
tests/integration/test_console_dashboard.py for the sums): 1 to 7 November 2026."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import (
    CaseEvent,
    CaseEventKind,
    CaseKind,
    CaseStatus,
    Channel,
    ChatRating,
    Customer,
    HandoffReason,
    OrderStatus,
    Review,
    SupportCase,
)
from outcomes.store import exposures, open_outcomes, outcomes
from tests.factories import add_customer, add_order, add_product

NOW = datetime(2026, 11, 7, 12, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)  # the period: 1 to 7 November, both included


def at(day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return NOV + timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second)


def _case(
    session: Session, number: str, customer: Customer, kind: CaseKind, opened: datetime, status: CaseStatus
) -> SupportCase:
    handoff = kind is CaseKind.HANDOFF
    case = SupportCase(
        number=number, customer_id=customer.id, kind=kind, topic="help", status=status, opened_at=opened,
        conversation_id=f"conv-{number}" if handoff else None, channel=Channel.WEB if handoff else None,
        reason=HandoffReason.CUSTOMER_ASKED if handoff else None,
    )  # fmt: skip
    session.add(case)
    session.flush()
    return case


def _event(
    session: Session, case: SupportCase, kind: CaseEventKind, when: datetime, actor: str = "a@x"
) -> None:
    session.add(CaseEvent(case_id=case.id, kind=kind, actor=actor, text="", at=when))


def hand_made_shop(engine: Engine) -> None:
    """Active at 1 Nov: Anna, Carla; at 8 Nov: Anna, Ben, Carla; new: Ben (see the test for the sums)."""
    with Session(engine) as session:
        capsules = add_product(session)  # 17.50 each
        anna = add_customer(session, "C1", "Anna")
        ben = add_customer(session, "C2", "Ben")
        carla = add_customer(session, "C3", "Carla")
        dora = add_customer(session, "C4", "Dora")
        add_order(
            session, anna, capsules, "1", placed_at=at(1) - timedelta(days=31), status=OrderStatus.DELIVERED
        )
        add_order(session, anna, capsules, "2", placed_at=at(2), quantity=3)  # 52.50
        add_order(session, ben, capsules, "3", placed_at=at(3))  # 35.00, his first: new
        add_order(session, carla, capsules, "4", placed_at=at(1) - timedelta(days=180))
        add_order(session, dora, capsules, "5", placed_at=at(1) - timedelta(days=400))  # not active
        add_order(session, dora, capsules, "6", placed_at=at(4), status=OrderStatus.CANCELLED)  # no purchase
        session.add_all(
            [
                Review(customer_id=anna.id, rating=5, text="", created_at=at(2)),
                Review(customer_id=ben.id, rating=2, text="", created_at=at(4)),
                Review(customer_id=carla.id, rating=4, text="", created_at=at(1) - timedelta(days=5)),
            ]
        )
        h0 = _case(session, "H0", anna, CaseKind.HANDOFF, at(1) - timedelta(days=2), CaseStatus.CLOSED)
        _event(session, h0, CaseEventKind.TAKEN, at(1))  # opened before the period
        h1 = _case(session, "H1", anna, CaseKind.HANDOFF, at(2), CaseStatus.CLOSED)
        _event(session, h1, CaseEventKind.TAKEN, at(2, minute=1))  # 60 s
        _event(session, h1, CaseEventKind.REPLIED, at(2, minute=2))  # first reply after 120 s
        _event(session, h1, CaseEventKind.CLOSED, at(2, minute=20))
        session.add(ChatRating(case_id=h1.id, customer_id=anna.id, agent="a@x", rating=5, rated_at=at(2, 11)))
        h2 = _case(session, "H2", ben, CaseKind.HANDOFF, at(3), CaseStatus.WITH_AGENT)
        _event(session, h2, CaseEventKind.UNANSWERED, at(3, minute=2), actor="system")
        _event(session, h2, CaseEventKind.TAKEN, at(3, minute=5))  # 300 s
        _event(session, h2, CaseEventKind.REPLIED, at(3, minute=9))  # first reply after 540 s
        _event(session, h2, CaseEventKind.REPLIED, at(3, minute=12))  # a second reply: not first
        _event(session, h2, CaseEventKind.TAKEN, at(3, minute=30), actor="b@x")  # a transfer: not first
        _case(session, "H3", carla, CaseKind.HANDOFF, at(5), CaseStatus.WAITING_AGENT)  # nobody took it
        _case(session, "H4", carla, CaseKind.HANDOFF, at(5), CaseStatus.WITHDRAWN)  # counts nowhere
        c1 = _case(session, "K1", ben, CaseKind.COMPLAINT, at(4, 9), CaseStatus.CLOSED)
        _event(session, c1, CaseEventKind.CLOSED, at(4, 11))  # 7200 s
        session.commit()


def fill_log(url: str) -> None:
    log = open_outcomes(url)
    rows = [  # key, customer, arm, day, outcomes
        ("k1", 1, "treated", at(2), ("delivered", "accepted")),
        ("k2", 1, "treated", at(3), ("delivered", "opted_out")),
        ("k3", 2, "treated", at(4), ("delivered",)),
        ("k4", 3, "holdout", at(4), ()),
        ("k5", 3, "treated", at(1) - timedelta(days=3), ("delivered", "accepted")),  # before the period
    ]
    with log.begin() as connection:
        for key, customer, arm, when, kinds in rows:
            connection.execute(
                exposures.insert().values(key=key, trigger_id=1, customer_id=customer, arm=arm,
                                          subject="s", at=when)
            )  # fmt: skip
            for kind in kinds:
                connection.execute(outcomes.insert().values(key=key, kind=kind, ref="", at=when))
    log.dispose()
