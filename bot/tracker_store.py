"""Rasa's SQL conversation store, made to keep up with many conversations at once.

Rasa 3.6's `SQLTrackerStore` runs its queries inside `async def`s, so each conversation's load
and save block the server's event loop for the length of a database round trip; with SQLite in
its default rollback-journal mode every save is also a full disk sync. This subclass runs the
same queries in a worker thread (Rasa's lock store already keeps one conversation to one message
at a time) and puts SQLite in WAL mode with NORMAL sync, so readers never wait for the writer.
On SQLite it also keeps its connections in a pool: SQLAlchemy 1.4 gives a file database a
`NullPool`, so every load and save opened a new connection and ran the pragmas again (a quarter
of the server's CPU per proactive message, measured with py-spy; docs/outcomes.md). On
PostgreSQL only the threading applies (Rasa pools those connections already).

A save stores the events the tracker gained since it was loaded or last saved. Rasa counts the
conversation's stored events with a query before every save to find them (a fifth of the
server's CPU per proactive message); this store remembers the count on the tracker it loaded
instead, and counts only for a tracker it did not load.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

# Loads and saves run in asyncio's worker threads, a few at a time.
SQLITE_POOL_SIZE = 5
# How many of a tracker's events are in the store, kept on the tracker this store loaded or saved.
STORED_EVENTS = "_stored_events"


class ConversationStore(SQLTrackerStore):
    engine: Engine  # made by SQLTrackerStore (mypy sees Rasa as Any)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            # Worker threads take turns with a connection (the pool hands it to one at a time).
            self.engine = create_engine(
                url,
                poolclass=QueuePool,
                pool_size=SQLITE_POOL_SIZE,
                connect_args={"check_same_thread": False},
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        return await asyncio.to_thread(self._load, sender_id, fetch_events_from_all_sessions)

    def _load(self, sender_id: str, all_sessions: bool) -> DialogueStateTracker | None:
        # As SQLTrackerStore._retrieve of rasa 3.6.21 does, and the stored count remembered.
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions).all()
            events = [json.loads(row.data) for row in rows]
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not all_sessions:  # what a save compares with: the latest session's events
            setattr(tracker, STORED_EVENTS, len(events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await asyncio.to_thread(self._store_new_events, tracker)

    def _store_new_events(self, tracker: DialogueStateTracker) -> None:
        # As SQLTrackerStore.save of rasa 3.6.21 does, after the event broker has had its turn.
        with self.session_scope() as session:
            stored = getattr(tracker, STORED_EVENTS, None)
            new_events = (
                itertools.islice(tracker.events, stored, None)
                if stored is not None and stored <= len(tracker.events)
                else self._additional_events(session, tracker)
            )
            for new in new_events:
                data = new.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=new.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        setattr(tracker, STORED_EVENTS, len(tracker.events))

    def forget(self, sender_id: str) -> int:
        """Deletes every event of the conversation (erasure). The caller holds its lock."""
        with self.session_scope() as session:
            count = int(
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return count


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
