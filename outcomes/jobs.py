"""The outcome log's scheduled work: collect, then pause what harms. Run by the proactive scheduler.

Engines open on the first run (no I/O at import) and are reused. The tracker store is opened
read-only: SQLite through a `mode=ro` URI, PostgreSQL with read-only transactions, so a bug here
can never write into Rasa's conversations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url

from crm.settings import load_settings
from crm.uow import UnitOfWork
from outcomes.collect import attribution_window, collect
from outcomes.pause import pause_harmful, pause_settings
from outcomes.store import open_outcomes, outcomes_url

log = logging.getLogger("outcomes.jobs")


def read_only_tracker(url: str) -> Engine | None:
    """Rasa's tracker store, read-only; None while it does not exist yet (no conversation so far)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if not path or not Path(path).exists():
            return None
        engine = create_engine(f"sqlite:///file:{Path(path).resolve()}?mode=ro&uri=true")
    else:
        engine = create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})
    if not inspect(engine).has_table("events"):
        engine.dispose()
        return None
    return engine


def outcome_job(store: Callable[[], UnitOfWork], clock: Callable[[], datetime]) -> Callable[[], None]:
    engines: dict[str, Engine | None] = {}

    def run() -> None:
        if "log" not in engines:
            engines["log"] = open_outcomes(outcomes_url())
        if engines.get("tracker") is None:
            engines["tracker"] = read_only_tracker(load_settings().tracker_store_url)
        outcome_log = engines["log"]
        assert outcome_log is not None
        now = clock()
        summary = collect(store(), outcome_log, now, tracker=engines["tracker"], window=attribution_window())
        log.info("outcomes: %s", summary)
        for paused in pause_harmful(store(), outcome_log, now, pause_settings()):
            log.warning("trigger %s paused: %s", paused.trigger, paused.reason)

    return run
