"""The scheduler: each active trigger's scoring pass on its own schedule, and the housekeeping.

APScheduler 3.11 with its in-memory job store: jobs are rebuilt from the triggers table whenever
a scheduler starts leading, so no job store is ever shared between schedulers (which APScheduler
3 does not support). Job ids are stable (`trigger:<id>`, `housekeeping:<name>`), every add uses
`replace_existing=True`, and runs missed while the process was busy or paused are coalesced
into one and dropped after `MISFIRE_GRACE`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from console.chat import ChatError
from console.settings import DEFAULT_UNANSWERED_MINUTES
from console.unanswered import notify_unanswered
from crm.services.conversations import PROACTIVE_ANSWERABLE_FOR
from crm.settings import Settings
from crm.uow import UnitOfWork
from outcomes.jobs import outcome_job
from proactive import outbox
from proactive.leader import Leadership
from proactive.planner import plan_trigger

log = logging.getLogger("proactive.scheduler")

TRIGGER_PREFIX = "trigger:"
# A run that could not start on time (the process was busy or suspended) still runs if it is
# at most this late; beyond that it is skipped (the next pass sees the same due customers).
MISFIRE_GRACE = timedelta(minutes=5)
SYNC_EVERY = timedelta(minutes=1)
UNANSWERED_JOB = "unanswered"  # job id housekeeping:unanswered
DEFAULT_UNANSWERED = timedelta(minutes=DEFAULT_UNANSWERED_MINUTES)


@dataclass(frozen=True)
class TriggerSchedule:
    id: int
    name: str
    every_minutes: int


@dataclass(frozen=True)
class Housekeeping:
    name: str
    run: Callable[[], object]
    every: timedelta


def job_defaults() -> dict[str, object]:
    return {"coalesce": True, "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()), "max_instances": 1}


def register_jobs(
    scheduler: BaseScheduler,
    triggers: Sequence[TriggerSchedule],
    score: Callable[[int], object],
    housekeeping: Sequence[Housekeeping] = (),
    *,
    first_run: datetime | None = None,
) -> set[str]:
    """Makes the scheduler's jobs match the active triggers; returns the ids of the trigger jobs.

    A trigger whose schedule is unchanged keeps its job (and its next run time); a changed one is
    replaced; a trigger no longer active loses its job. Safe to call again whenever triggers change.
    A new or changed job first runs at `first_run` when given (a new leader, a trigger just
    activated: the pass runs now instead of one whole interval later).
    """
    wanted = {f"{TRIGGER_PREFIX}{t.id}": t for t in triggers}
    for job in scheduler.get_jobs():
        if job.id.startswith(TRIGGER_PREFIX) and job.id not in wanted:
            scheduler.remove_job(job.id)
            log.info("trigger job %s removed", job.id)
    for job_id, trigger in wanted.items():
        every = timedelta(minutes=trigger.every_minutes)
        current = scheduler.get_job(job_id)
        if current is not None and getattr(current.trigger, "interval", None) == every:
            continue
        start = {"next_run_time": first_run} if first_run is not None else {}
        scheduler.add_job(
            score, IntervalTrigger(minutes=trigger.every_minutes, timezone=UTC), args=[trigger.id],
            id=job_id, name=f"score {trigger.name}", replace_existing=True, **job_defaults(), **start,
        )  # fmt: skip
        log.info("trigger job %s: every %d min", job_id, trigger.every_minutes)
    for task in housekeeping:
        job_id = f"housekeeping:{task.name}"
        if scheduler.get_job(job_id) is None:
            scheduler.add_job(
                task.run, IntervalTrigger(seconds=task.every.total_seconds(), timezone=UTC),
                id=job_id, name=task.name, replace_existing=True, **job_defaults(),
            )  # fmt: skip
    return set(wanted)


def active_schedules(uow: UnitOfWork) -> list[TriggerSchedule]:
    with uow:
        return [TriggerSchedule(t.id, t.name, t.every_minutes) for t in uow.triggers.active()]


def scoring_pass(store: Callable[[], UnitOfWork], clock: Callable[[], datetime]) -> Callable[[int], None]:
    """One trigger's scoring pass through the planner."""

    def score(trigger_id: int) -> None:
        with store() as uow:
            trigger = uow.triggers.by_id(trigger_id)
            name = trigger.name if trigger else None
        if name is None:
            return
        summary = plan_trigger(store(), name, clock())
        log.info("scored %s: %s", name, summary)

    return score


def housekeeping(
    store: Callable[[], UnitOfWork],
    clock: Callable[[], datetime],
    *,
    settings: Settings | None = None,
    unanswered_after: timedelta | None = None,
) -> list[Housekeeping]:
    """The chores every leader runs. With `settings` (Rasa's address and token) the no-silence job
    is one of them: chats nobody took within `unanswered_after` get the honest word."""

    def recover_leases() -> None:
        released = outbox.release_stale(store(), clock())
        if released:
            log.info("released %d outbox rows a dead pump held before sending", released)

    def expire_contexts() -> None:
        with store() as uow:
            expired = uow.conversations.expire_proactive(clock() - PROACTIVE_ANSWERABLE_FOR)
            uow.commit()
        if expired:
            log.info("forgot %d proactive contexts nobody can answer any more", expired)

    chores = [
        Housekeeping("recover-leases", recover_leases, timedelta(minutes=1)),
        Housekeeping("expire-contexts", expire_contexts, timedelta(hours=1)),
        # The outcome log (read-only on Rasa's tracker store), then the automatic pause.
        Housekeeping("outcomes", outcome_job(store, clock), timedelta(minutes=10)),
    ]
    if settings is not None:
        chores.append(
            Housekeeping(
                UNANSWERED_JOB,
                unanswered_job(store, clock, settings, unanswered_after or DEFAULT_UNANSWERED),
                timedelta(minutes=1),
            )
        )
    return chores


def unanswered_job(
    store: Callable[[], UnitOfWork], clock: Callable[[], datetime], settings: Settings, after: timedelta
) -> Callable[[], None]:
    """The console's no-silence check as a job (the console owns the words; the scheduler the clock)."""

    def tell_waiting() -> None:
        try:
            told = notify_unanswered(store(), clock(), settings, after=after)
        except ChatError as error:  # Rasa unreachable or no token: tried again next minute
            log.warning("no-silence check could not reach Rasa: %s", error)
            return
        if told:
            log.info("told %d waiting chats that nobody could take them yet", len(told))

    return tell_waiting


def lead(
    leadership: Leadership,
    store: Callable[[], UnitOfWork],
    clock: Callable[[], datetime],
    stop: threading.Event,
    *,
    poll: float = 2.0,
    score: Callable[[int], object] | None = None,
    announce: Callable[[str], None] = print,
    settings: Settings | None = None,
    unanswered_after: timedelta | None = None,
) -> None:
    """Waits to lead, then schedules until `stop` is set or the lead is lost (then waits again)."""
    score = score or scoring_pass(store, clock)
    chores = housekeeping(store, clock, settings=settings, unanswered_after=unanswered_after)
    while not stop.is_set():
        if not leadership.acquire():
            stop.wait(poll)
            continue
        announce("scheduler: leading")
        scheduler = BackgroundScheduler(timezone=UTC, job_defaults=job_defaults())

        def sync(scheduler: BaseScheduler = scheduler) -> None:
            # APScheduler runs on the wall clock, whatever clock the passes themselves read.
            register_jobs(scheduler, active_schedules(store()), score, chores, first_run=datetime.now(UTC))

        # Started first: jobs added to a scheduler not yet started are only queued, and a
        # replace_existing among queued jobs does not replace.
        scheduler.start()
        sync()
        scheduler.add_job(
            sync, IntervalTrigger(seconds=SYNC_EVERY.total_seconds(), timezone=UTC),
            id="housekeeping:sync-triggers", replace_existing=True, **job_defaults(),
        )  # fmt: skip
        try:
            while not stop.wait(poll):
                if not leadership.held():
                    announce("scheduler: lost the lead, waiting")
                    break
        finally:
            scheduler.shutdown(wait=True)
        if stop.is_set():
            leadership.release()


def describe(scheduler: BaseScheduler) -> Mapping[str, str]:
    return {job.id: str(job.trigger) for job in scheduler.get_jobs()}
