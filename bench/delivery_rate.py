"""Delivery rate: pumps sending Telegram messages through the real servers, against the fake Bot API.

    .venv/bin/python bench/delivery_rate.py [--chats 100] [--per-chat 3] [--pumps 3] [--batch 10]

Not part of `make test`. Starts what the e2e fixture starts (Rasa with the Telegram channel, the
action server, the NLU service, the fake Bot API) on a fresh SQLite demo store, links `--chats`
customers to Telegram chats (identity rows written directly: linking through the storefront is
not what is measured), plans `--per-chat` pending outbox rows for each, interleaved so that
consecutive rows go to different chats, starts `--pumps` pump processes and waits until every
row is sent. Then it reads the fake's recorded `sendMessage` calls:

- messages/s from the first to the last call, against Telegram's limits that Rasa's channel
  enforces (30 messages/s overall, 1/s per chat): the goal is >= 0.9 x the limit that binds;
- each row's key appears in exactly one delivered message (no duplicate, none lost).

Ports: BENCH_PORT_BASE (default 6200) and the next four.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, insert, select
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
from stack.servers import start_system
from stack.telegram import DEMO_TOKEN, FAKE_USERNAME
from stack.training import ensure_model
from tests.support.outbox import PumpProcess

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OVERALL_LIMIT = 30.0  # messages/s, bot/channels/telegram_api.py's RateLimiter default
PER_CHAT_LIMIT = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--per-chat", type=int, default=3)
    parser.add_argument("--pumps", type=int, default=3)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    base = int(os.environ.get("BENCH_PORT_BASE", "6200"))
    work = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    database_url = f"sqlite:///{work / 'crm.db'}"
    engine = make_engine(database_url, create_missing=True)
    upgrade(engine)
    seed_demo(engine, as_of=NOW, customers=max(300, args.chats + 20), progress=False)
    keys = _plan(engine, args.chats, args.per_chat)
    print(f"[delivery] {len(keys)} rows for {args.chats} chats planned; starting the servers", flush=True)
    settings = Settings(
        database_url=database_url,
        tracker_store_url=f"sqlite:///{work / 'tracker.db'}",
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
        started = time.perf_counter()
        pumps = [
            PumpProcess(
                environment, work / f"pump{n}.log", batch=args.batch, owner=f"bench-{n}", lease_seconds=60
            )
            for n in range(args.pumps)
        ]
        states = _wait(engine, args.timeout)
        wall = time.perf_counter() - started
        for pump in pumps:
            pump.stop()
        pumps = []
        sends = _sends(settings.telegram_api_url or "")
        _report(keys, sends, states, wall, args)
    finally:
        for pump in pumps:
            pump.stop()
        running.stop()
        engine.dispose()
        print(f"[delivery] logs in {work}", flush=True)


def _plan(engine: Engine, chats: int, per_chat: int) -> list[str]:
    """Links `chats` customers with an order to chats 5100000+n and plans their rows, round-robin."""
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
        session.execute(insert(OutboxMessage), messages)
        session.commit()
    return keys


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
    limit = min(OVERALL_LIMIT, PER_CHAT_LIMIT * args.chats)
    print(f"[delivery] outbox states: {dict(states)}", flush=True)
    print(
        f"[delivery] {len(moments)} sendMessage calls in {span:.1f} s: {rate:.1f} messages/s against "
        f"the limit {limit:.0f}/s ({rate / limit:.2f} x; goal >= 0.9 x); {args.pumps} pumps, batch "
        f"{args.batch}; {wall:.1f} s from the pumps' start to the last row sent",
        flush=True,
    )
    print(
        f"[delivery] delivered twice: {len(twice)} {twice[:5]}; not delivered: {len(lost)} {lost[:5]}",
        flush=True,
    )


if __name__ == "__main__":
    main()
