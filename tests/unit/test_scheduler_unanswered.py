"""The no-silence job: the scheduler's housekeeping runs the console's check every minute."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from unittest.mock import ANY

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from console.settings import unanswered_after
from crm.models import Channel, HandoffReason
from crm.services.desk import unanswered_cases
from crm.services.handoff import request_handoff
from crm.settings import load_settings
from crm.uow import UnitOfWork
from proactive.scheduler import housekeeping, register_jobs, unanswered_job
from tests.factories import small_shop

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


def test_the_job_checks_the_waiting_chats_and_survives_an_unreachable_rasa(
    store: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    small_shop(store)
    opened = NOW - timedelta(minutes=20)  # a Monday, 11:00 in Berlin: support is open
    request_handoff(
        UnitOfWork.for_engine(store), 1, "tg:1", Channel.TELEGRAM, opened, reason=HandoffReason.CUSTOMER_ASKED
    )
    no_token = load_settings({"DATABASE_URL": "sqlite://"})  # no RASA_AUTH_TOKEN: Rasa cannot be asked
    job = unanswered_job(lambda: UnitOfWork.for_engine(store), lambda: NOW, no_token, timedelta(minutes=30))
    with caplog.at_level(logging.WARNING, logger="proactive.scheduler"):
        job()  # waited 20 of 30 minutes: nobody is due, Rasa is never asked
    assert "could not reach Rasa" not in caplog.text

    job = unanswered_job(lambda: UnitOfWork.for_engine(store), lambda: NOW, no_token, timedelta(minutes=10))
    with caplog.at_level(logging.WARNING, logger="proactive.scheduler"):
        job()  # due now: the check runs, fails to reach Rasa, and the scheduler goes on
    assert "could not reach Rasa" in caplog.text
    assert unanswered_cases(UnitOfWork.for_engine(store), NOW) == [(ANY, "tg:1")]  # still to be told
