"""Delivery rate: pumps sending Telegram messages through the real servers, against the fake Bot API.

    .venv/bin/python bench/delivery_rate.py [--chats 100] [--per-chat 3] [--pumps 3] [--batch 10]
        [--store sqlite|postgres] [--limit 30]

Not part of `make test`. Starts what the e2e fixture starts (Rasa with the Telegram channel, the
action server, the NLU service, the fake Bot API) on a fresh demo store (SQLite files, or two
fresh databases on the local PostgreSQL, `--postgres-url`, dropped afterwards), links `--chats`
customers to Telegram chats (identity rows written directly: linking through the storefront is
not what is measured) and starts `--pumps` pump processes. Once every pump is up it plans
`--per-chat` pending outbox rows for each chat, interleaved so that consecutive rows go to
different chats, and waits until every row is sent. Then it reads the fake's recorded
`sendMessage` calls:

- messages/s from the first to the last call, against Telegram's limits that Rasa's channel
  enforces (30 messages/s overall, 1/s per chat): the goal is >= 0.9 x the limit that binds;
  `--limit` sets the overall one higher, to see how much more the system could carry;
- each row's key appears in exactly one delivered message (no duplicate, none lost);
- the CPU time each process spent from the rows' planning to the last row sent, per message
  (from /proc: it does not depend on what else the machine runs, the rate does), and the
  machine's load over the same span.

The pumps' gate lets every message go (`bench/delivery_gate.py`): the policy is not measured.

Ports: BENCH_PORT_BASE (default 6200) and the next four.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm.db import make_engine
from crm.demo.writer import seed_demo
from crm.migrate import upgrade
from crm.models import (
    Channel,
    ChannelIdentity,
    ConsentPurpose,
    Customer,
    LinkState,
    Order,
    OutboxMessage,
    OutboxState,
)
from crm.settings import Settings
from stack.paths import PROJECT_ROOT, VAR_DIR
from stack.pumps import PumpProcess
from stack.servers import RunningSystem, start_system
from stack.telegram import DEMO_TOKEN, FAKE_USERNAME
from stack.training import ensure_model

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OVERALL_LIMIT = 30.0  # messages/s, Telegram's; the Telegram channel's default (TELEGRAM_RATE_PER_SECOND)
PER_CHAT_LIMIT = 1.0
GATE = "bench.delivery_gate:planned_channel"
POSTGRES_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--per-chat", type=int, default=3)
    parser.add_argument("--pumps", type=int, default=3)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--profile", action="store_true", help="run the pumps under cProfile (pumpN.prof)")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES_ADMIN_URL, help="a database to create others from")
    parser.add_argument(
        "--limit", type=float, default=OVERALL_LIMIT,
        help="the channel's overall limit, messages/s (TELEGRAM_RATE_PER_SECOND): above 30, the headroom",
    )  # fmt: skip
    args = parser.parse_args()
    os.environ["TELEGRAM_RATE_PER_SECOND"] = str(args.limit)  # read by Rasa's Telegram channel
    base = int(os.environ.get("BENCH_PORT_BASE", "6200"))
    work = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    with stores(args.store, work, args.postgres_url) as (database_url, tracker_url):
        engine = make_engine(database_url, create_missing=True)
        try:
            run(engine, database_url, tracker_url, base, work, args)
        finally:
            engine.dispose()
            print(f"[delivery] logs in {work}", flush=True)


@contextmanager
def stores(kind: str, work: Path, admin_url: str) -> Iterator[tuple[str, str]]:
    """(customer store URL, Rasa's tracker store URL): SQLite files, or fresh PostgreSQL databases."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'crm.db'}", f"sqlite:///{work / 'tracker.db'}"
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    names = [f"bench_delivery_{part}_{uuid.uuid4().hex[:8]}" for part in ("crm", "tracker")]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        crm, tracker = (
            make_url(admin_url).set(database=name).render_as_string(hide_password=False) for name in names
        )
        # Rasa's tracker store takes a plain postgresql:// URL (its own psycopg2).
        yield crm, tracker.replace("postgresql+psycopg2://", "postgresql://")
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(
    engine: Engine, database_url: str, tracker_url: str, base: int, work: Path, args: argparse.Namespace
) -> None:
    upgrade(engine)
    seed_demo(engine, as_of=NOW, customers=max(300, args.chats + 20), progress=False)
    chosen = _link(engine, args.chats)
    print(f"[delivery] {args.chats} chats linked ({args.store}); starting the servers", flush=True)
    settings = Settings(
        database_url=database_url,
        tracker_store_url=tracker_url,
        rasa_host="127.0.0.1",
        rasa_port=base,
        action_port=base + 1,
        nlu_port=base + 2,
        shop_port=base + 3,
        rasa_auth_token="bench-delivery-token",
        chat_token_secret="bench-delivery-chat-secret-long-enough",
        frozen_now=NOW,
        shop_origins=(f"http://127.0.0.1:{base + 3}",),
        telegram_bot_token=DEMO_TOKEN,
        telegram_bot_username=FAKE_USERNAME,
        telegram_webhook_secret="bench-delivery-webhook-secret",
        telegram_api_url=f"http://127.0.0.1:{base + 4}",
        fake_telegram_port=base + 4,
    )
    model = ensure_model(PROJECT_ROOT / "config.yml", VAR_DIR / "test-models", "ci")
    running = start_system(
        settings, "bench-delivery-token", lambda: model, echo=False, log_dir=work, channels=True
    )
    pumps: list[PumpProcess] = []
    try:
        environment = {
            "DATABASE_URL": database_url,
            "RASA_HOST": "127.0.0.1",
            "RASA_PORT": str(base),
            "RASA_AUTH_TOKEN": "bench-delivery-token",
            "CHAT_TOKEN_SECRET": settings.chat_token_secret or "",
        }
        pumps = [
            PumpProcess(
                environment, work / f"pump{n}.log", gate=GATE, batch=args.batch, owner=f"bench-{n}",
                lease_seconds=60, profile=work / f"pump{n}.prof" if args.profile else None,
            )
            for n in range(args.pumps)
        ]  # fmt: skip
        _wait_started(pumps)
        watched = _processes(running, pumps)
        before = Usage.now(watched)
        keys = _plan(engine, chosen, args.per_chat)
        started = time.perf_counter()
        states = _wait(engine, args.timeout)
        wall = time.perf_counter() - started
        after = Usage.now(watched)
        for pump in pumps:
            pump.stop()
        pumps = []
        sends = _sends(settings.telegram_api_url or "")
        _report(keys, sends, states, wall, args)
        _report_cpu(before, after, len(keys))
    finally:
        for pump in pumps:
            pump.stop()
        running.stop()


def _link(engine: Engine, chats: int) -> list[tuple[int, str]]:
    """Links `chats` customers with an order to chats 5100000+n; returns (customer id, order)."""
    with Session(engine) as session:
        rows = session.execute(
            select(Customer.id, Order.number)
            .join(Order, Order.customer_id == Customer.id)
            .order_by(Customer.id)
        ).all()
        first_order: dict[int, str] = {}
        for customer_id, number in rows:
            first_order.setdefault(customer_id, number)
        chosen = list(first_order.items())[:chats]
        if len(chosen) < chats:
            raise SystemExit(f"only {len(chosen)} customers with an order for {chats} chats")
        session.execute(
            insert(ChannelIdentity),
            [
                {
                    "customer_id": customer_id,
                    "channel": Channel.TELEGRAM,
                    "external_id": str(5_100_000 + n),
                    "link_state": LinkState.LINKED,
                    "linked_at": NOW,
                }
                for n, (customer_id, _) in enumerate(chosen)
            ],
        )
        session.commit()
    return chosen


def _plan(engine: Engine, chosen: list[tuple[int, str]], per_chat: int) -> list[str]:
    """Plans `per_chat` due rows for each chosen customer, round-robin; returns their keys."""
    keys: list[str] = []
    messages = []
    for round_ in range(per_chat):
        for customer_id, order in chosen:
            key = f"rate:{customer_id}:{round_}"
            keys.append(key)
            text = f"Sorry: order {order} is running late ({key}). Shall we chase the carrier for you?"
            messages.append(
                {
                    "key": key,
                    "customer_id": customer_id,
                    "category": ConsentPurpose.SERVICE,
                    "subject": f"parcel-{round_}",
                    "intent": "EXTERNAL_delivery_late",
                    "context": json.dumps({"message": text, "channel": "telegram", "order": order}),
                    "state": OutboxState.PENDING,
                    "not_before": NOW,
                    "attempts": 0,
                    "created_at": NOW,
                }
            )
    with Session(engine) as session:
        session.execute(insert(OutboxMessage), messages)
        session.commit()
    return keys


def _wait_started(pumps: list[PumpProcess], timeout: float = 60.0) -> None:
    """Until every pump has said it is delivering (imports and engine done: not what is measured)."""
    deadline = time.monotonic() + timeout
    while not all("delivering" in pump.output() for pump in pumps):
        if time.monotonic() > deadline:
            raise SystemExit("the pumps did not start: " + " | ".join(p.output()[-500:] for p in pumps))
        time.sleep(0.2)


def _processes(running: RunningSystem, pumps: list[PumpProcess]) -> dict[str, list[int]]:
    """The pids to account, by role, each with its children (Sanic serves from a worker process)."""
    watched = {
        "pumps": [pump.pid for pump in pumps],
        "rasa": [running.rasa.pid],
        "actions": [running.actions.pid],
        "nlu": [running.nlu.pid],
    }
    if running.telegram is not None:
        watched["fake Bot API"] = [running.telegram.pid]
    return {role: _with_descendants(pids) for role, pids in watched.items()}


def _with_descendants(pids: list[int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


@dataclass(frozen=True)
class Usage:
    """CPU seconds per role (user + system, from /proc), and the machine's busy and total seconds."""

    roles: Mapping[str, float]
    busy: float
    total: float

    @classmethod
    def now(cls, watched: Mapping[str, list[int]]) -> Usage:
        roles = {role: sum(_cpu_seconds(pid) for pid in pids) for role, pids in watched.items()}
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return cls(roles, (sum(fields) - idle) / CLOCK_TICKS, sum(fields) / CLOCK_TICKS)


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def _wait(engine: Engine, timeout: float) -> Counter[str]:
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            states = Counter(str(s) for s in session.scalars(select(OutboxMessage.state)))
        done = states[str(OutboxState.PENDING)] + states[str(OutboxState.SENDING)] == 0
        if done or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def _sends(fake: str) -> list[dict[str, object]]:
    response = httpx.get(f"{fake}/fake/calls", params={"method": "sendMessage"}, timeout=60)
    response.raise_for_status()
    found: list[dict[str, object]] = response.json()
    return found


def _report(
    keys: list[str],
    sends: list[dict[str, object]],
    states: Counter[str],
    wall: float,
    args: argparse.Namespace,
) -> None:
    texts = [str(dict(call["payload"]).get("text") or "") for call in sends]  # type: ignore[call-overload]
    delivered = Counter(key for text in texts for key in keys if f"({key})" in text)
    twice = sorted(key for key, count in delivered.items() if count > 1)
    lost = [key for key in keys if key not in delivered]
    moments = sorted(float(call["at"]) for call in sends)  # type: ignore[arg-type]
    span = moments[-1] - moments[0] if len(moments) > 1 else 0.0
    rate = (len(moments) - 1) / span if span else 0.0
    limit = min(args.limit, PER_CHAT_LIMIT * args.chats)
    print(f"[delivery] outbox states: {dict(states)}", flush=True)
    print(
        f"[delivery] {len(moments)} sendMessage calls in {span:.1f} s: {rate:.1f} messages/s against "
        f"the limit {limit:.0f}/s ({rate / limit:.2f} x; goal >= 0.9 x); {args.pumps} pumps, batch "
        f"{args.batch}, {args.store}; {wall:.1f} s from the rows' planning to the last row sent",
        flush=True,
    )
    print(
        f"[delivery] delivered twice: {len(twice)} {twice[:5]}; not delivered: {len(lost)} {lost[:5]}",
        flush=True,
    )


def _report_cpu(before: Usage, after: Usage, messages: int) -> None:
    span = after.total - before.total  # CPU-seconds of every core
    cores = os.cpu_count() or 1
    wall = span / cores
    ours = 0.0
    parts = []
    for role, seconds in after.roles.items():
        used = seconds - before.roles[role]
        ours += used
        parts.append(f"{role} {used / wall:.2f} cores, {1000 * used / messages:.1f} ms/message")
    busy = after.busy - before.busy
    print(f"[delivery] CPU from the planning to the last row ({wall:.1f} s): " + "; ".join(parts), flush=True)
    print(
        f"[delivery] machine: {busy / wall:.2f} of {cores} cores busy, {(busy - ours) / wall:.2f} of them "
        f"by other processes; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}",
        flush=True,
    )


if __name__ == "__main__":
    main()
