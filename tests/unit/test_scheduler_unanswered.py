"""The no-silence job: the scheduler's housekeeping runs the console's check every minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from console.settings import unanswered_after
from crm.settings import load_settings
from crm.uow import UnitOfWork
from proactive.scheduler import housekeeping, register_jobs

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def jobs() -> Iterator[BackgroundScheduler]:
    running = BackgroundScheduler(timezone=UTC)
    running.start(paused=True)
    yield running
    running.shutdown(wait=False)


def no_store() -> UnitOfWork:
    raise AssertionError("registering jobs must not touch the store")


def test_with_settings_the_no_silence_job_is_registered_every_minute(jobs: BackgroundScheduler) -> None:
    chores = housekeeping(
        no_store, lambda: NOW, settings=load_settings({}), unanswered_after=timedelta(minutes=7)
    )

    register_jobs(jobs, [], lambda _: None, chores)

    job = jobs.get_job("housekeeping:unanswered")
    assert job is not None
    assert job.trigger.interval == timedelta(minutes=1)
    assert job.max_instances == 1 and job.coalesce is True
    assert {c.name for c in chores} >= {"recover-leases", "expire-contexts", "outcomes", "unanswered"}


def test_without_settings_there_is_no_no_silence_job(jobs: BackgroundScheduler) -> None:
    register_jobs(jobs, [], lambda _: None, housekeeping(no_store, lambda: NOW))

    assert jobs.get_job("housekeeping:unanswered") is None


def test_the_wait_comes_from_handoff_unanswered_minutes() -> None:
    assert unanswered_after({"HANDOFF_UNANSWERED_MINUTES": "4"}) == timedelta(minutes=4)
    assert unanswered_after({}) == timedelta(minutes=10)
    with pytest.raises(ValueError, match="a whole number"):
        unanswered_after({"HANDOFF_UNANSWERED_MINUTES": "soon"})
    with pytest.raises(ValueError, match="at least 1"):
        unanswered_after({"HANDOFF_UNANSWERED_MINUTES": "0"})
