"""Runs in the Rasa environment: saves and loads conversations through `ConversationStore`.

Given a JSON object of SQLTrackerStore's arguments on the command line, it plays a conversation
the way Rasa's processor does (load, add events, save, sometimes twice in one turn, a new session
inside a turn) and prints one JSON line: the events in memory and the events the store holds.
"""

from __future__ import annotations

import asyncio
import json
import sys

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import ConversationStore

# Every event the conversation gained, in order: what the store must hold, each once.
PLAYED = [
    "action", "session_started", "action",
    "user", "action", "bot", "action",
    "action", "session_started", "action", "user", "action",
]  # fmt: skip


async def play(store: ConversationStore) -> dict[str, object]:
    # A new conversation: Rasa creates the tracker and saves it (the store did not load it).
    tracker = DialogueStateTracker.from_events(
        "c1", [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    )
    await store.save(tracker)
    # A turn: loaded, two saves (Rasa saves after the message and again after a follow-up).
    tracker = await store.retrieve("c1")
    assert tracker is not None
    tracker.update(UserUttered("where is my order", {"name": "track_order", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_respond"))
    await store.save(tracker)
    tracker.update(BotUttered("It left on Monday."))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    # The next turn opens a new session, saved in the middle of the turn and again at its end.
    tracker = await store.retrieve("c1")
    assert tracker is not None
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    tracker.update(UserUttered("thanks", {"name": "thank", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_respond"))
    await store.save(tracker)
    full = await store.retrieve_full_tracker("c1")
    latest = await store.retrieve("c1")
    return {
        "played": PLAYED,
        "stored": [event.type_name for event in full.events] if full else [],
        "latest_session": [event.type_name for event in latest.events] if latest else [],
    }


def main() -> None:
    arguments = json.loads(sys.argv[1])
    store = ConversationStore(domain=Domain.from_dict({"intents": ["track_order", "thank"]}), **arguments)
    print(json.dumps(asyncio.run(play(store))))


if __name__ == "__main__":
    main()
