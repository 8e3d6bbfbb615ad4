"""Parse messages off Rasa's event loop while the NLU service answers.

Rasa 3.6 runs the NLU graph synchronously inside its async message handler. With intents coming
from the NLU service over HTTP, every message then blocks the whole server for the length of
that call, and concurrent users queue behind each other (measured: 20 users, p95 2.2 x the
starter bot). Running the graph in a worker thread lets the loop serve other conversations
meanwhile; the pipeline's components (tokenizer, the HTTP classifier, regex extraction,
synonyms, fallback) keep no per-message state, so threads are safe. The body below is
`MessageProcessor.parse_message` of rasa 3.6.21 with that one call moved to an executor.
"""

from __future__ import annotations

import asyncio
import copy
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import structlog
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

structlogger = structlog.get_logger()

_executor: ThreadPoolExecutor | None = None


async def _parse_message(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker | None = None,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    if self.http_interpreter:
        parse_data = await self.http_interpreter.parse(message)
    else:
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        parse = partial(self._parse_message_with_graph, message, tracker, only_output_properties)
        parse_data = await asyncio.get_running_loop().run_in_executor(_executor, parse)
    self._update_full_retrieval_intent(parse_data)
    structlogger.debug(
        "processor.message.parse",
        parse_data_text=copy.deepcopy(parse_data["text"]),
        parse_data_intent=parse_data["intent"],
        parse_data_entities=copy.deepcopy(parse_data["entities"]),
    )
    self._check_for_unseen_features(parse_data)
    parsed: dict[str, Any] = parse_data
    return parsed


def install() -> None:
    """Replaces `MessageProcessor.parse_message` once per process (idempotent)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="nlu-parse")
        MessageProcessor.parse_message = _parse_message
