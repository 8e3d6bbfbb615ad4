"""One turn in progress: who is writing, the state, and the replies being written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from crm.models import Channel
from crm.services.customers import CustomerView
from crm.uow import UnitOfWork
from dialogue.state import Change, DialogueState, Pending, Request
from dialogue.turn import Turn

Button = dict[str, str]


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Context:
    """Everything about this turn that does not come from the message itself."""

    store: Callable[[], UnitOfWork]
    now: datetime
    conversation_id: str
    channel: Channel
    # The customer proven by a server-signed token or a linked Telegram chat; None: a visitor.
    customer: CustomerView | None
    # Who is knocking, for identification limits (a client address or the conversation).
    client: str


@dataclass(frozen=True)
class Who:
    """The customer the assistant may talk about in this turn.

    `only_order` is set when the visitor proved one order in chat (number + email): then
    nothing but that order is theirs to see, and nothing about the account may change.
    """

    customer_id: int
    first_name: str
    time_zone: str
    only_order: str | None = None

    @property
    def has_account_access(self) -> bool:
        return self.only_order is None


@dataclass
class Conversation:
    ctx: Context
    state: DialogueState
    replies: list[BotMessage] = field(default_factory=list)
    # Set by a flow when the turn made the customer wait for a person.
    events: list[dict[str, Any]] = field(default_factory=list)
    _who: Who | None = None

    # --- who -------------------------------------------------------------------------------
    def who(self) -> Who | None:
        if self._who is not None:
            return self._who
        customer = self.ctx.customer
        if customer is not None:
            self._who = Who(customer.id, customer.first_name, customer.time_zone)
        elif self.state.unlocked:
            unlocked = self.state.unlocked
            self._who = Who(
                int(unlocked["customer_id"]),
                str(unlocked.get("first_name") or ""),
                str(unlocked.get("time_zone") or "Europe/London"),
                only_order=str(unlocked["order"]),
            )
        return self._who

    def forget_who(self) -> None:
        self._who = None

    def uow(self) -> UnitOfWork:
        return self.ctx.store()

    @property
    def now(self) -> datetime:
        return self.ctx.now

    def today(self, who: Who | None = None) -> date:
        """Today in the customer's own time zone (the shop's when unknown): one clock for every date."""
        return self.now.astimezone(self.zone(who)).date()

    def zone(self, who: Who | None = None) -> ZoneInfo:
        who = who or self.who()
        try:
            return ZoneInfo(who.time_zone) if who else ZoneInfo("Europe/London")
        except (KeyError, ValueError):
            return ZoneInfo("Europe/London")

    # --- saying and asking --------------------------------------------------------------------
    def say(self, text: str, buttons: Sequence[Button] = ()) -> None:
        self.replies.append(BotMessage(text, tuple(buttons)))

    def ask(
        self,
        flow: str,
        step: str,
        question: str,
        buttons: Sequence[Button] = (),
        data: dict[str, Any] | None = None,
    ) -> None:
        """Asks and remembers the question, so the next message is read as its answer."""
        previous = self.state.pending
        asked = previous.asked + 1 if previous and (previous.flow, previous.step) == (flow, step) else 1
        self.state.pending = Pending(flow, step, question, list(buttons), dict(data or {}), asked)
        self.say(question, buttons)

    def offer(
        self,
        flow: str,
        step: str,
        question: str,
        buttons: Sequence[Button] = (),
        data: dict[str, Any] | None = None,
    ) -> None:
        """An optional follow-up question ("shall I book it?"): asked only when nothing else is open.

        Answering a digression must not replace the question the customer is in the middle of.
        """
        if self.state.pending is None:
            self.ask(flow, step, question, buttons, data)

    def done(self) -> None:
        """The flow needs no answer any more."""
        self.state.pending = None

    def changed(self, kind: str, description: str, **data: Any) -> None:
        """Remembers the change just made, so "undo" can reverse it."""
        self.state.last_change = Change(kind, description, data)

    def queue(self, request: Request) -> None:
        self.state.queued.append(request)


def yes_no_buttons(yes: str = "Yes", no: str = "No") -> list[Button]:
    return [{"title": yes, "payload": "/affirm"}, {"title": no, "payload": "/deny"}]


def request_of(turn: Turn, intent: str | None = None) -> Request:
    entities = {name: values for name, values in turn.entities.items() if values}
    return Request(intent or turn.intent, turn.text, entities)
