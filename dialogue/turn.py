"""One customer message as the dialogue sees it: intents in order, entities, and where it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from crm.services.preferences import parse_quiet_hours

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
MISSES = frozenset({FALLBACK, OUT_OF_SCOPE})
EXTERNAL_PREFIX = "EXTERNAL_"

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Shop orders (1015024), old-system invoices (536365, C536379): not after "#" or "-".
_ORDER_NUMBER = re.compile(r"(?<![#\w-])[Cc]?\d{6,7}(?![\w-])")
# Words, question and exclamation marks, and emoji (a thumbs-up is an answer too).
_WORD = re.compile(r"[a-z0-9']+|[?!]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_LINK_CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_CHANNEL_WORDS = {
    "telegram": "telegram",
    "tg": "telegram",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "website": "web",
    "web": "web",
    "site": "web",
    "chat": "web",
    "here": "web",
}


@dataclass(frozen=True)
class Turn:
    text: str
    intent: str
    confidence: float = 1.0
    # Every request in the message, in order, the decided intent first (several for
    # "where is my order and can I get the invoice").
    requests: tuple[str, ...] = ()
    ranking: tuple[tuple[str, float], ...] = ()
    entities: dict[str, list[str]] = field(default_factory=dict)
    language: str | None = None
    # True for a message from the shop's side (Rasa's trigger_intent), never typed by anyone.
    external: bool = False
    # What a channel reports about itself ("blocked": Telegram refused our message for good).
    # Only our channels set it, in metadata no client can write: a typed intent carries none.
    channel_event: str | None = None

    @property
    def is_miss(self) -> bool:
        return self.intent in MISSES

    @property
    def is_button(self) -> bool:
        return self.text.startswith("/")

    @property
    def words(self) -> str:
        """The text, lower-case, punctuation squeezed to spaces: for phrase checks."""
        return " ".join(_WORD.findall(self.text.lower()))

    def entity(self, name: str) -> str | None:
        values = self.entities.get(name) or []
        return values[0] if values else None

    @property
    def order_number(self) -> str | None:
        return self.entity("order_number")

    @property
    def email(self) -> str | None:
        value = self.entity("email")
        return value.strip().lower() if value else None

    @property
    def channel(self) -> str | None:
        return self.entity("channel")

    @property
    def when(self) -> str | None:
        """A time phrase ("next week", "tomorrow at 9"), from spaCy's DATE/TIME entities."""
        return self.entity("time") or self.entity("date")

    @property
    def quiet_hours(self) -> tuple[time, time] | None:
        """Quiet hours from the message's two `time` entities, else from its text.

        The entities catch what the text parser cannot read: "from 10 in the evening to 7 in the
        morning" arrives from the NLU service as "22:00" and "07:00".
        """
        times = self.entities.get("time") or []
        if len(times) == 2:
            hours = parse_quiet_hours(f"{times[0]} to {times[1]}")
            if hours is not None:
                return hours
        return parse_quiet_hours(self.text)


def turn_from_parse(parse: dict[str, Any], metadata: dict[str, Any] | None = None) -> Turn:
    """Builds a turn from Rasa's parse data (`tracker.latest_message`) and the message's metadata."""
    text = str(parse.get("text") or "")
    intent_info = parse.get("intent") or {}
    intent = str(intent_info.get("name") or FALLBACK)
    confidence = float(intent_info.get("confidence") or 0.0)
    ranking = tuple(
        (str(item.get("name")), float(item.get("confidence") or 0.0))
        for item in parse.get("intent_ranking") or []
        if item.get("name")
    )
    requests = [intent]
    for extra in parse.get("requests") or []:
        if isinstance(extra, str) and extra not in requests and extra not in MISSES:
            requests.append(extra)
    if not re.search(r"\w", text) and not re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", text):
        # "?", "..." : nothing to classify, whatever the model says.
        intent, requests, confidence = FALLBACK, [FALLBACK], 0.0
    entities = _entities(parse.get("entities") or [], text)
    metadata = metadata or {}
    external = intent.startswith(EXTERNAL_PREFIX) and bool(metadata.get("is_external"))
    channel_event = metadata.get("channel_event")
    if intent.startswith(EXTERNAL_PREFIX) and not external:
        # Typed by someone as "/EXTERNAL_..." : not a message from the shop.
        intent, requests = FALLBACK, [FALLBACK]
    return Turn(
        text=text,
        intent=intent,
        confidence=confidence,
        requests=tuple(requests),
        ranking=ranking,
        entities=entities,
        language=parse.get("language") if isinstance(parse.get("language"), str) else None,
        external=external,
        channel_event=channel_event if isinstance(channel_event, str) else None,
    )


def _entities(raw: list[dict[str, Any]], text: str) -> dict[str, list[str]]:
    """Entities by name, values as strings, regex fallbacks for what matters most."""
    found: dict[str, list[str]] = {}

    def add(name: str, value: Any) -> None:
        value = str(value).strip()
        if value and value not in found.setdefault(name, []):
            found[name].append(value)

    for entity in raw:
        name = entity.get("entity")
        value = entity.get("value")
        if name == "channel" and isinstance(value, str):
            value = _CHANNEL_WORDS.get(value.lower(), value.lower())
        if name in ("DATE", "TIME"):
            name = name.lower()
        if isinstance(name, str) and value is not None:
            add(name, value)
    # Button payloads and typed numbers: make sure order numbers and emails are never missed.
    for match in _ORDER_NUMBER.finditer(text):
        add("order_number", match.group(0).upper())
    for match in _EMAIL.finditer(text):
        add("email", match.group(0).lower())
    if "channel" not in found:
        for word in re.findall(r"[a-z-]+", text.lower()):
            if word in ("telegram", "email", "e-mail"):
                add("channel", _CHANNEL_WORDS[word])
                break
    if "code" in found and not _LINK_CODE.match(found["code"][0]):
        del found["code"]
    return found
