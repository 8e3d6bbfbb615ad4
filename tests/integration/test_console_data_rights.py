"""Data rights on SQLite and PostgreSQL: the export holds everything about a customer; after an erasure
no row anywhere names them, only hashes remain (audit trail, consent history, suppressions), and the
customer's conversations were handed to the tracker-store eraser."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from crm.importers.online_retail import import_online_retail
from crm.models import (
    CaseEvent,
    CaseEventKind,
    CaseKind,
    CaseStatus,
    Channel,
    ChannelIdentity,
    ChatRating,
    ConsentPurpose,
    ConversationContext,
    Customer,
    HandoffReason,
    LinkState,
    OutboxMessage,
    OutboxState,
    ProactiveDecision,
    SupportCase,
)
from crm.services.data_rights import (
    erase_customer,
    export_customer,
    identifier_hash,
    suppressed_for_import,
    suppressed_refs,
)
from crm.services.preferences import set_marketing_consent
from crm.uow import UnitOfWork
from tests.factories import T0, small_shop

NOW = T0 + timedelta(days=3)
SECRET = "data-rights-test-secret"


def with_history(engine: Engine) -> dict[str, object]:
    """Anna (C90001): orders, a Telegram link, a closed and rated chat, a proactive message, consents."""
    small_shop(engine)
    with Session(engine) as session:
        anna = session.scalars(select(Customer).where(Customer.external_ref == "C90001")).one()
        anna.phone = "+49 170 5550123"
        session.add(
            ChannelIdentity(
                customer_id=anna.id, channel=Channel.TELEGRAM, external_id="777001",
                link_state=LinkState.LINKED, linked_at=T0,
            )
        )  # fmt: skip
        case = SupportCase(
            number="CS-100777", customer_id=anna.id, kind=CaseKind.HANDOFF, topic="complaint",
            description="Anna Schmidt says the box was crushed", status=CaseStatus.CLOSED, opened_at=T0,
            closed_at=T0, conversation_id="tg:777001", channel=Channel.TELEGRAM,
            reason=HandoffReason.COMPLAINT, taken_at=T0, taken_by="agent@demo",
        )  # fmt: skip
        session.add(case)
        session.flush()
        session.add(
            CaseEvent(case_id=case.id, kind=CaseEventKind.NOTE, actor="agent@demo", text="Call Anna", at=T0)
        )
        session.add(
            ChatRating(case_id=case.id, customer_id=anna.id, agent="agent@demo", rating=5, rated_at=T0)
        )
        # A visitor's chat on the website before she logged in, kept by conversation id only.
        session.add(
            SupportCase(
                number="CS-100778", customer_id=None, kind=CaseKind.HANDOFF, topic="asked for a person",
                status=CaseStatus.WITHDRAWN, opened_at=T0, conversation_id="web:C90001", channel=Channel.WEB,
            )
        )  # fmt: skip
        session.add(
            ConversationContext(
                conversation_id="tg:777001", customer_id=anna.id, proactive=json.dumps({"key": "r:1:C90001"}),
                proactive_at=T0, updated_at=T0,
            )
        )  # fmt: skip
        session.add(
            OutboxMessage(
                key="r:1:C90001", customer_id=anna.id, category=ConsentPurpose.SERVICE, subject="CAP-50",
                intent="EXTERNAL_replenishment", context=json.dumps({"message": "Hi Anna Schmidt"}),
                state=OutboxState.SENT, not_before=T0, created_at=T0, sent_at=T0, channel=Channel.TELEGRAM,
                conversation_id="tg:777001",
            )
        )  # fmt: skip
        session.add(
            ProactiveDecision(
                customer_id=anna.id, key="r:1:C90001", stage="send", allowed=True, reason="ok", decided_at=T0
            )
        )
        session.commit()
        anna_id = anna.id
    set_marketing_consent(UnitOfWork.for_engine(engine), anna_id, True, T0)
    set_marketing_consent(UnitOfWork.for_engine(engine), anna_id, False, NOW)
    return {
        "id": anna_id,
        "strings": [
            "C90001",
            "c90001@example.com",
            "Anna Schmidt",
            "tg:777001",
            "777001",
            "5550123",
            "web:C90001",
        ],
    }


def rows_naming(engine: Engine, customer_id: int, strings: list[str]) -> list[str]:
    """Every row, in every table, that holds the customer's id (as a customer id) or one of `strings`."""
    found = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            for row in result.mappings():
                for column, value in row.items():
                    if column == "customer_id" and value == customer_id:
                        found.append(f"{table}.{column}={value}")
                    elif isinstance(value, str) and any(s.lower() in value.lower() for s in strings):
                        found.append(f"{table}.{column}={value[:60]}")
    return found


def erased_everywhere(engine: Engine) -> None:
    anna = with_history(engine)
    customer_id, strings = int(str(anna["id"])), list(anna["strings"])  # type: ignore[call-overload]
    assert len(rows_naming(engine, customer_id, strings)) > 20  # the scan does see her before

    exported = export_customer(UnitOfWork.for_engine(engine), "C90001", NOW)
    expected = {
        "customers", "orders", "order_lines", "support_cases", "case_events", "chat_ratings",
        "outbox_messages",
        "proactive_decisions", "consents", "channel_identities", "conversation_contexts",
    }  # fmt: skip
    assert expected <= set(exported["tables"])
    assert {"CS-100777", "CS-100778"} == {c["number"] for c in exported["tables"]["support_cases"]}
    assert [a["action"] for a in exported["audit"]].count("consent.changed") == 6

    forgotten: list[str] = []
    result = erase_customer(
        UnitOfWork.for_engine(engine),
        "C90001",
        SECRET,
        NOW,
        actor="admin@demo",
        forget_conversations=forgotten.extend,
    )
    assert {"tg:777001", "web:C90001"} <= set(forgotten)
    assert rows_naming(engine, customer_id, strings) == []
    with Session(engine) as session:
        # Ben is untouched.
        assert session.scalars(select(Customer.external_ref)).all() == ["C90002", "C90003"]
        history = session.execute(
            text('SELECT action, subject, "before" FROM audit_log WHERE subject = :s ORDER BY id'),
            {"s": result.subject},
        ).all()
    assert [h.action for h in history] == ["consent.changed"] * 6 + ["customer.erased"]
    consents = json.loads(history[-1].before)["consent_history"]
    assert len(consents) == 6 and {c["granted"] for c in consents} == {True, False}
    # The next import or seed recognises her by reference or email, and only by the shop's key.
    uow = UnitOfWork.for_engine(engine)
    assert suppressed_refs(
        uow, SECRET, [("C90001", None), ("X1", "C90001@example.com"), ("C90002", None)]
    ) == {
        "C90001",
        "X1",
    }
    assert suppressed_refs(uow, "another-secret", [("C90001", None)]) == set()
    assert identifier_hash(SECRET, "email", " C90001@Example.com") == identifier_hash(
        SECRET, "email", "c90001@example.com"
    )


def test_erasure_leaves_no_row_about_the_customer_on_sqlite(store: Engine) -> None:
    erased_everywhere(store)


def test_erasure_leaves_no_row_about_the_customer_on_postgres(postgres_store: Engine) -> None:
    erased_everywhere(postgres_store)


def test_a_failing_tracker_erasure_deletes_nothing(store: Engine) -> None:
    with_history(store)

    def refuse(ids: object) -> None:
        raise RuntimeError("Rasa is down")

    with pytest.raises(RuntimeError):
        erase_customer(
            UnitOfWork.for_engine(store), "C90001", SECRET, NOW, actor="a", forget_conversations=refuse
        )
    with Session(store) as session:
        assert session.scalars(select(Customer.external_ref).where(Customer.external_ref == "C90001")).one()


def test_an_import_skips_a_customer_who_was_erased(store: Engine, tmp_path: Path) -> None:
    with UnitOfWork.for_engine(store) as uow:
        uow.audit.suppress(identifier_hash(SECRET, "ref", "OR-17850"), "ref", NOW)
        uow.commit()
    sample = tmp_path / "online_retail.csv"
    sample.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A,WHITE HANGING HEART,6,2011-06-01 08:26:00,2.55,17850.0,United Kingdom\n"
        "536365,23843,PAPER CRAFT,6,2011-06-01 08:26:00,3.39,17850.0,United Kingdom\n"
        "C536379,85123A,WHITE HANGING HEART,-2,2011-06-03 09:41:00,2.55,17850.0,United Kingdom\n"
        "536366,POST,POSTAGE,3,2011-06-02 10:00:00,18.0,12662.0,Germany\n"
    )
    report = import_online_retail(
        store, sample, progress=False, suppressed=suppressed_for_import(UnitOfWork.for_engine(store), SECRET)
    )
    assert report.skipped["erased customer"] == 3  # two sale lines and the credit line
    with Session(store) as session:
        assert session.scalars(select(Customer.external_ref)).all() == ["OR-12662"]
