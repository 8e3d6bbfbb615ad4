"""The conversation's memory between turns, kept in Rasa's `dialogue` slot as plain JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

STATE_VERSION = 1


@dataclass
class Pending:
    """A question the assistant asked and is waiting for the answer to.

    `flow` names the module that asked and resumes; `step` is which question; `data` carries
    what the flow collected so far (the order, the proposed change).
    """

    flow: str
    step: str
    question: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    # How often the same question was asked: a third unclear answer stops asking.
    asked: int = 1


@dataclass
class Focus:
    """What "it", "that order" and "the machine" refer to: the last things talked about."""

    order: str | None = None
    product_id: int | None = None
    product: str | None = None
    device: str | None = None
    case: str | None = None
    # What the last answer was about ("invoice"), for follow-ups like "can you email it to me".
    topic: str | None = None
    # The orders just listed, in the order shown: "the second one" picks among them.
    listed: list[str] = field(default_factory=list)


@dataclass
class Change:
    """The last change made on the customer's behalf, with what it takes to reverse it."""

    kind: str
    description: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Request:
    """A request waiting its turn: the second half of "cancel it and send me the invoice"."""

    intent: str
    text: str
    entities: dict[str, Any] = field(default_factory=dict)


@dataclass
class DialogueState:
    customer_id: int | None = None
    # In-chat identification unlocks one order of one customer, nothing else:
    # {"order": "1015024", "customer_id": 7, "first_name": "Emma", "time_zone": "Europe/London"}.
    unlocked: dict[str, Any] | None = None
    pending: Pending | None = None
    focus: Focus = field(default_factory=Focus)
    queued: list[Request] = field(default_factory=list)
    # The request to answer once the customer has identified.
    after_identify: Request | None = None
    misses: int = 0
    human_offered: bool = False
    last_change: Change | None = None
    # The proactive message this conversation may be answering (also kept in the store).
    proactive: dict[str, Any] | None = None
    # The waiting handoff case of this conversation, if any.
    handoff: str | None = None
    # The request answered last: "and for order 1002345?" asks the same about another order.
    last_intent: str | None = None
    version: int = STATE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Any) -> DialogueState:
        """Tolerant of anything: a missing, older or damaged slot value starts afresh."""
        if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
            return cls()
        try:
            known = {f.name for f in fields(cls)}
            values = {key: value for key, value in raw.items() if key in known}
            values["pending"] = _build(Pending, values.get("pending"))
            values["focus"] = _build(Focus, values.get("focus")) or Focus()
            values["last_change"] = _build(Change, values.get("last_change"))
            values["after_identify"] = _build(Request, values.get("after_identify"))
            values["queued"] = [r for r in (_build(Request, q) for q in values.get("queued") or []) if r]
            return cls(**values)
        except (TypeError, ValueError):
            return cls()

    def forget_task(self) -> None:
        """Leaves whatever was going on: the question, the queue and the identification detour."""
        self.pending = None
        self.queued = []
        self.after_identify = None


def _build(kind: type[Any], raw: Any) -> Any:
    if not isinstance(raw, dict):
        return None
    names = {f.name for f in fields(kind)}
    return kind(**{key: value for key, value in raw.items() if key in names})
