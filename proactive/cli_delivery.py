"""`python -m proactive pump|outbox|scheduler|test-send`: the delivery side's commands."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import socket
import sys
import threading
from datetime import timedelta
from typing import Any, cast

from crm.db import make_engine
from crm.models import Channel
from crm.settings import load_settings
from crm.uow import UnitOfWork
from outreach.rasa_api import RasaApi
from outreach.send import Outreach
from proactive import outbox
from proactive.channels import ChannelSender, ChatSender
from proactive.pump import Pump, crash_point_from_env
from proactive.verdict import SendGate

DEFAULT_GATE = "proactive.gate:check_before_send"


def register(commands: Any) -> None:
    pump = commands.add_parser("pump", help="deliver due outbox messages (a worker; run several if needed)")
    pump.add_argument("--batch", type=int, default=outbox.DEFAULT_BATCH, help="rows claimed at a time")
    pump.add_argument(
        "--lease-seconds",
        type=float,
        default=outbox.DEFAULT_LEASE.total_seconds(),
        help="how long a claimed row is this pump's; after that another pump checks and takes it",
    )
    pump.add_argument(
        "--backoff-seconds",
        type=float,
        default=outbox.Backoff().base.total_seconds(),
        help="first retry delay after a channel error (doubles each time, with jitter)",
    )
    pump.add_argument("--idle-seconds", type=float, default=2.0, help="pause when nothing is due")
    pump.add_argument("--once", action="store_true", help="one batch, then exit")
    pump.add_argument("--owner", default=None, help="this pump's name in the leases (default host:pid)")
    pump.add_argument(
        "--gate", default=DEFAULT_GATE, help="the policy checked before each send, as module:function"
    )
    pump.set_defaults(run=run_pump)

    counts = commands.add_parser("outbox", help="outbox rows per state")
    counts.set_defaults(run=run_outbox)

    scheduler = commands.add_parser(
        "scheduler", help="run the triggers' scoring passes and the housekeeping (one leads, others wait)"
    )
    scheduler.add_argument("--poll-seconds", type=float, default=2.0, help="how often a waiting one tries")
    scheduler.set_defaults(run=run_scheduler)

    test_send = commands.add_parser(
        "test-send", help="send a trigger's message to one address or chat now, as a test (no outbox row)"
    )
    test_send.add_argument("trigger", metavar="TRIGGER_NAME")
    test_send.add_argument(
        "--to", required=True, help="telegram:<chat id> | web:<customer ref> | email:<address>"
    )
    test_send.add_argument("--customer", help="whose facts fill the template (default: the one at --to)")
    test_send.add_argument(
        "--fact", action="append", default=[], metavar="NAME=VALUE", help="a template value to use"
    )
    test_send.set_defaults(run=run_test_send)


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # httpx logs every request's URL at INFO, and Rasa's API takes its token in the query string.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # APScheduler logs every run of every job (the housekeeping runs each minute); ours say what was done.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def load_gate(spec: str) -> SendGate:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"--gate {spec!r}: expected module:function")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise SystemExit(f"--gate {spec!r}: cannot import {module_name} ({error})") from error
    gate = getattr(module, attribute, None)
    if not callable(gate):
        raise SystemExit(f"--gate {spec!r}: {module_name} has no function {attribute}")
    return cast(SendGate, gate)


def senders(store: Any, settings: Any) -> dict[Channel, ChannelSender]:
    if not settings.rasa_auth_token:
        raise RuntimeError("no Rasa API token: set RASA_AUTH_TOKEN (make run writes var/rasa-auth-token)")
    # One client for Rasa's API and the pump's own engine: nothing is built again per message.
    rasa = RasaApi(settings.rasa_url, settings.rasa_auth_token)
    chat = ChatSender(Outreach(store, rasa, settings.now), rasa)
    found: dict[Channel, ChannelSender] = {Channel.WEB: chat, Channel.TELEGRAM: chat}
    from proactive.email import EmailSender

    found[Channel.EMAIL] = EmailSender.from_settings(settings, store)
    return found


def run_pump(args: argparse.Namespace) -> int:
    configure_logging()
    if args.batch <= 0 or args.lease_seconds <= 0 or args.backoff_seconds <= 0:
        print("--batch, --lease-seconds and --backoff-seconds must be positive", file=sys.stderr)
        return 2
    settings = load_settings()
    gate = load_gate(args.gate)
    engine = make_engine(settings.database_url)

    def store() -> UnitOfWork:
        return UnitOfWork.for_engine(engine)

    pump = Pump(
        store=store,
        gate=gate,
        senders=senders(store, settings),
        clock=settings.now,
        owner=args.owner or f"{socket.gethostname()}:{os.getpid()}"[:80],
        batch=args.batch,
        lease=timedelta(seconds=args.lease_seconds),
        backoff=outbox.Backoff(base=timedelta(seconds=args.backoff_seconds)),
        crash_at=crash_point_from_env(),
        # The policy's own gate records every decision; a stand-in (tests) leaves it to the pump.
        gate_records=args.gate == DEFAULT_GATE,
    )
    stop = threading.Event()
    # SIGTERM (the launcher's stop): finish the message in hand, give the rest of the batch back.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"pump {pump.owner}: delivering (batch {pump.batch}, lease {args.lease_seconds:.0f} s)", flush=True)
    if args.once:
        report = pump.run_batch(stop)
        print(f"claimed {report.claimed}: {dict(report.outcomes)}")
    else:
        pump.run(stop, idle=args.idle_seconds)
    engine.dispose()
    return 0


def run_outbox(args: argparse.Namespace) -> int:
    engine = make_engine(load_settings().database_url)
    for state, count in outbox.counts(UnitOfWork.for_engine(engine)).items():
        print(f"{state.value:<11} {count}")
    engine.dispose()
    return 0


def run_scheduler(args: argparse.Namespace) -> int:
    from console.settings import unanswered_after
    from proactive.leader import leadership_for
    from proactive.scheduler import lead

    configure_logging()
    settings = load_settings()
    engine = make_engine(settings.database_url)
    leadership, lock_engine = leadership_for(settings.database_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"scheduler {os.getpid()}: waiting to lead", flush=True)
    lead(
        leadership,
        lambda: UnitOfWork.for_engine(engine),
        settings.now,
        stop,
        poll=args.poll_seconds,
        announce=lambda line: print(f"{line} ({os.getpid()})", flush=True),
        settings=settings,
        unanswered_after=unanswered_after(),
    )
    engine.dispose()
    if lock_engine is not None:
        lock_engine.dispose()
    return 0


def run_test_send(args: argparse.Namespace) -> int:
    from proactive.sample_send import SampleSendError, send_sample

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        facts = dict(item.split("=", 1) for item in args.fact)
    except ValueError:
        print("--fact takes NAME=VALUE", file=sys.stderr)
        return 2
    store = lambda: UnitOfWork.for_engine(engine)  # noqa: E731
    try:
        result = send_sample(
            store, senders(store, settings), args.trigger, args.to, args.customer, facts, settings.now()
        )
    except SampleSendError as error:
        print(f"test-send: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"{result.status.value}: {result.conversation_id or ''} {result.detail}".rstrip())
    return 0 if result.delivered else 1
