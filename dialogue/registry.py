"""Which flow answers which intent, and which flow resumes which question."""

from __future__ import annotations

from collections.abc import Callable

from dialogue.conversation import Conversation
from dialogue.state import Pending
from dialogue.turn import Turn

Handler = Callable[[Conversation, Turn], None]
# Returns True when the turn answered the pending question (handled), False when it did not.
Resumer = Callable[[Conversation, Turn, Pending], bool]

HANDLERS: dict[str, Handler] = {}
RESUMERS: dict[str, Resumer] = {}


def handles(*intents: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for intent in intents:
            if intent in HANDLERS:
                raise ValueError(f"intent {intent} is handled twice")
            HANDLERS[intent] = handler
        return handler

    return register


def resumes(flow: str) -> Callable[[Resumer], Resumer]:
    def register(resumer: Resumer) -> Resumer:
        if flow in RESUMERS:
            raise ValueError(f"flow {flow} is resumed twice")
        RESUMERS[flow] = resumer
        return resumer

    return register
