"""The scheduler's jobs follow the active triggers: stable ids, one per trigger, re-synced on change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from proactive.scheduler import MISFIRE_GRACE, Housekeeping, TriggerSchedule, register_jobs


@pytest.fixture
def jobs() -> Iterator[BackgroundScheduler]:
    running = BackgroundScheduler(timezone=UTC)
    running.start(paused=True)  # a real job store, and no job runs
    yield running
    running.shutdown(wait=False)


def noop(*_: object) -> None:
    return None


def test_each_active_trigger_gets_one_job_with_a_stable_id_and_its_own_interval(
    jobs: BackgroundScheduler,
) -> None:

    ids = register_jobs(
        jobs,
        [TriggerSchedule(1, "filters", 60), TriggerSchedule(7, "late parcels", 15)],
        noop,
        [Housekeeping("recover-leases", noop, timedelta(minutes=1))],
    )

    assert ids == {"trigger:1", "trigger:7"}
    assert {job.id for job in jobs.get_jobs()} == {"trigger:1", "trigger:7", "housekeeping:recover-leases"}
    late = jobs.get_job("trigger:7")
    assert late.trigger.interval == timedelta(minutes=15) and late.args == (7,)
    assert late.coalesce is True and late.misfire_grace_time == MISFIRE_GRACE.total_seconds()
    assert late.max_instances == 1


def test_a_resync_keeps_unchanged_jobs_replaces_changed_ones_and_drops_paused_triggers(
    jobs: BackgroundScheduler,
) -> None:
    register_jobs(jobs, [TriggerSchedule(1, "filters", 60), TriggerSchedule(2, "service", 30)], noop)
    first_run = jobs.get_job("trigger:1").next_run_time

    register_jobs(jobs, [TriggerSchedule(1, "filters", 60), TriggerSchedule(3, "winback", 120)], noop)
    register_jobs(jobs, [TriggerSchedule(1, "filters", 60), TriggerSchedule(3, "winback", 90)], noop)

    assert {job.id for job in jobs.get_jobs()} == {"trigger:1", "trigger:3"}
    assert jobs.get_job("trigger:1").next_run_time == first_run  # unchanged: not pushed back
    assert jobs.get_job("trigger:3").trigger.interval == timedelta(minutes=90)
    assert len(jobs.get_jobs()) == 2  # replace_existing: never two jobs for one trigger


def test_a_new_trigger_job_runs_its_first_pass_at_once_not_one_interval_later(
    jobs: BackgroundScheduler,
) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

    register_jobs(jobs, [TriggerSchedule(1, "filters", 60)], noop, first_run=now)
    register_jobs(jobs, [TriggerSchedule(1, "filters", 60)], noop, first_run=now + timedelta(minutes=5))

    assert jobs.get_job("trigger:1").next_run_time == now  # unchanged on a re-sync
