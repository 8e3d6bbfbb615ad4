"""`python -m proactive` planning commands: triggers, seeding, scoring passes, replay, switches.

Exit codes: 0 done, 2 bad input or a store that cannot be used (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import NoReturn

from sqlalchemy import func, select

from crm.db import StoreError, make_engine
from crm.models import OutboxMessage, ProactiveSwitch, TriggerStatus
from crm.services.audit import audit
from crm.settings import Settings, load_settings
from crm.uow import UnitOfWork
from proactive.facts import KILL_SWITCH
from proactive.planner import UnknownTrigger, plan_all, plan_trigger
from proactive.policy import policy_settings
from proactive.replay import replay
from proactive.triggers import TriggerError, seed_triggers, spec_of

Handler = Callable[[argparse.Namespace], int]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(run=handler)
        return parser

    add("triggers", _triggers, "list the triggers with their status and message counts")
    add("seed-triggers", _seed_triggers, "add the demo triggers that are missing (safe to repeat)")
    score = add("score", _score, "run the scoring pass of one trigger, or of every active one")
    score.add_argument("--trigger", help="trigger name (default: every active trigger)")
    score.add_argument("--now", type=_moment, help="ISO 8601 instant with offset (default: the clock)")
    rerun = add("replay", _replay, "what a trigger would have sent over past days (writes nothing)")
    rerun.add_argument("name", help="trigger name")
    rerun.add_argument("--from", dest="start", type=date.fromisoformat, required=True, help="first day")
    rerun.add_argument("--to", dest="end", type=date.fromisoformat, required=True, help="last day")
    kill = add("kill-switch", _kill_switch, "stop (on) or allow again (off) every proactive send")
    kill.add_argument("state", choices=("on", "off"))
    activate = add("activate", _activate, "activate a trigger (its definition is checked first)")
    activate.add_argument("name")
    activate.add_argument("--by", default=None, help="who resumes it, for the audit log (default: $USER)")
    pause = add("pause", _pause, "pause a trigger, saying why")
    pause.add_argument("name")
    pause.add_argument("--reason", required=True, help="shown in the trigger list")
    pause.add_argument("--by", default=None, help="who pauses it, for the audit log (default: $USER)")


def _triggers(args: argparse.Namespace) -> int:
    with _store() as (uow, _), uow:
        counts: dict[tuple[int | None, str], int] = {
            (trigger_id, state): count
            for trigger_id, state, count in uow.session.execute(
                select(OutboxMessage.trigger_id, OutboxMessage.state, func.count()).group_by(
                    OutboxMessage.trigger_id, OutboxMessage.state
                )
            )
        }
        switch = uow.triggers.switch(KILL_SWITCH)
        print(f"kill switch: {'ON (nothing is sent)' if switch and switch.on else 'off'}")
        for trigger in uow.triggers.all():
            states = {state: n for (tid, state), n in counts.items() if tid == trigger.id}
            summary = ", ".join(f"{state} {n}" for state, n in sorted(states.items())) or "no messages"
            reason = f" ({trigger.status_reason})" if trigger.status_reason else ""
            print(
                f"{trigger.name:<28} {trigger.status.value:<7}{reason} {trigger.predictor.value}/"
                f"{trigger.category.value}: {summary}"
            )
    return 0


def _seed_triggers(args: argparse.Namespace) -> int:
    with _store() as (uow, settings):
        added = seed_triggers(uow, settings.now())
    print(f"added {', '.join(added)}" if added else "the demo triggers are there already")
    return 0


def _score(args: argparse.Namespace) -> int:
    with _store() as (uow, settings):
        now = args.now or settings.now()
        policy = policy_settings()
        if args.trigger:
            summaries = [plan_trigger(uow, args.trigger, now, policy)]
        else:
            summaries = plan_all(uow, now, policy)
        for summary in summaries:
            print(summary.line())
        if not summaries:
            print("no active triggers")
    return 0


def _replay(args: argparse.Namespace) -> int:
    with _store() as (uow, _):

        def progress(day: date, report: object) -> None:
            print(f"  {day.isoformat()} ...", file=sys.stderr, flush=True)

        report = replay(uow, args.name, args.start, args.end, settings=policy_settings(), progress=progress)
    print("\n".join(report.lines()))
    return 0


def _kill_switch(args: argparse.Namespace) -> int:
    with _store() as (uow, settings), uow:
        uow.triggers.set_switch(
            ProactiveSwitch(
                name=KILL_SWITCH, on=args.state == "on", changed_at=settings.now(), changed_by="cli"
            )
        )
        uow.commit()
    print(f"kill switch {args.state}")
    return 0


def _activate(args: argparse.Namespace) -> int:
    return _set_status(args.name, TriggerStatus.ACTIVE, None, args.by)


def _pause(args: argparse.Namespace) -> int:
    return _set_status(args.name, TriggerStatus.PAUSED, args.reason, args.by)


def _set_status(name: str, status: TriggerStatus, reason: str | None, by: str | None) -> int:
    # Who did it goes to the audit log: resuming an automatically paused trigger is a decision.
    actor = f"cli:{by or os.environ.get('USER') or getpass.getuser()}"
    with _store() as (uow, settings), uow:
        trigger = uow.triggers.by_name(name)
        if trigger is None:
            raise UnknownTrigger(name)
        if status is TriggerStatus.ACTIVE:
            spec_of(trigger)  # a broken definition is refused before it runs
        before = {"status": trigger.status.value, "reason": trigger.status_reason}
        now = settings.now()
        trigger.status, trigger.status_reason, trigger.updated_at = status, reason, now
        action = "trigger.resume" if status is TriggerStatus.ACTIVE else "trigger.pause"
        audit(
            uow,
            actor,
            action,
            f"trigger:{trigger.id}",
            before,
            {"status": status.value, "reason": reason},
            now,
        )
        uow.commit()
    print(f"{name} is {status.value}")
    return 0


@contextmanager
def _store() -> Iterator[tuple[UnitOfWork, Settings]]:
    """The configured store, with its refusals turned into one line and exit code 2."""
    try:
        settings = load_settings()
        engine = make_engine(settings.database_url)
    except (StoreError, ValueError) as error:
        _fail(str(error))
    try:
        yield UnitOfWork.for_engine(engine), settings
    except UnknownTrigger as error:
        _fail(f"no trigger named {error.args[0]!r} (python -m proactive triggers lists them)")
    except (TriggerError, StoreError, ValueError) as error:
        _fail(str(error))
    finally:
        engine.dispose()


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset, e.g. {text}+00:00")
    return moment.astimezone(UTC)
