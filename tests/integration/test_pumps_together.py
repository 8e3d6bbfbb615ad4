"""Two pump processes against one PostgreSQL never send the same message, and leave none behind.

The receiver is a real SMTP server that records every mail's key. The gate is
`tests.support.gates.allow_all` (the delivery mechanics are under test, not the policy).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import Channel, OutboxState
from fakes.smtp import Mailbox, start_smtp
from tests.factories import add_customer
from tests.support.live import free_port
from tests.support.outbox import PumpProcess, plan, wait_for

ROWS = 300


def test_two_pumps_on_postgresql_split_the_work_and_never_send_twice(
    postgres_store: Engine, postgres_url: str, tmp_path: Path
) -> None:
    with Session(postgres_store) as session:
        keys = []
        for n in range(ROWS):
            customer = add_customer(session, f"C8{n:04d}", f"Busy Customer{n}")
            keys.append(f"filter:{customer.id}:2026-11")
            plan(session, customer.id, keys[-1], Channel.EMAIL)
        session.commit()
    box, port = Mailbox(), free_port()
    server = start_smtp(box, "127.0.0.1", port)
    env = {
        "DATABASE_URL": postgres_url,
        "SMTP_PORT": str(port),
        "CHAT_TOKEN_SECRET": "pump-test-secret-at-least-32-bytes-long",
        "RASA_AUTH_TOKEN": "unused",
        "RASA_PORT": "5798",
    }
    try:
        pumps = [
            PumpProcess(env, tmp_path / f"pump{n}.log", batch=10, lease_seconds=120, owner=f"pump-{n}")
            for n in (1, 2)
        ]
        rows = wait_for(postgres_store, lambda rows: all(r.state is OutboxState.SENT for r in rows), 240)
        for pump in pumps:
            assert pump.stop() == 0, pump.output()
    finally:
        server.stop()

    received = Counter(m["key"] for m in box.snapshot())
    assert received == Counter(keys)  # all 300, each exactly once
    senders = Counter(row.attempts for row in rows)
    assert senders == {1: ROWS}  # nobody claimed a row the other held
    # Both took part (the batches interleave): the work was shared, not serialised on one.
    batches = [int(n) for pump in pumps for n in re.findall(r": (\d+) claimed", pump.output())]
    assert sum(batches) == ROWS and max(batches) <= 10  # a claim never takes more than its batch
    assert all("claimed" in pump.output() for pump in pumps)
