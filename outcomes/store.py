"""The outcome log's own database (OUTCOMES_DATABASE_URL, default sqlite var/outcomes.db).

Kept out of the customer store's schema on purpose: the log is derived data, rebuilt from the
conversation events and the store at any time, and its writes never contend with the shop's.

- `exposures`: one row per occasion a trigger acted on a customer: `treated` (a message was sent),
  `holdout` (the trigger held the customer out) or `control` (the global control group). The key
  is the outbox / decision key, so an occasion decided on every scoring pass is one exposure.
- `outcomes`: what followed an exposure: delivered, replied, accepted, declined, snoozed,
  opted_out, less_often, other_channel, converted, order, complaint, rating. `ref` tells two
  outcomes of one kind apart (the order id of each order, the rating's source and id).
- `watermarks`: how far each source has been read (the tracker's event id, the store's row ids).
- `conversations`: the last proactive key seen in each tracker conversation, so a reply in the
  next batch of events is still attributed to it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
)

from crm.settings import VAR_DIR, sqlite_url

metadata = MetaData()

exposures = Table(
    "outcome_exposures",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("trigger_id", Integer, index=True),
    Column("customer_id", Integer, nullable=False, index=True),
    Column("arm", String(10), nullable=False),  # treated / holdout / control
    Column("subject", String(80), nullable=False),
    Column("product_id", Integer),
    Column("channel", String(20)),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
)

outcomes = Table(
    "outcome_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("ref", String(40), nullable=False, default=""),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("value", Float),
    UniqueConstraint("key", "kind", "ref", name="uq_outcome"),
)

watermarks = Table(
    "outcome_watermarks",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("position", Integer, nullable=False),
)

conversations = Table(
    "outcome_conversations",
    metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("key", String(200), nullable=False),
    Column("delivered", Integer, nullable=False, default=0),
    Column("replied", Integer, nullable=False, default=0),
)

ARMS = ("treated", "holdout", "control")
ANSWER_KINDS = ("accepted", "declined", "snoozed", "less_often", "other_channel", "opted_out")


def outcomes_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("OUTCOMES_DATABASE_URL") or sqlite_url(VAR_DIR / "outcomes.db")


def open_outcomes(url: str) -> Engine:
    """The outcome log's engine, its tables created if missing (derived data: no migrations)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
