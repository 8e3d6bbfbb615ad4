"""The queue for a person: one waiting case per conversation, honest waits, take / hand back / close.

The bot keeps answering while a case waits; Rasa is paused only once an agent takes the case
(the caller that takes it pauses the conversation), so no customer talks into silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm.models import CaseKind, CaseStatus, Channel, HandoffReason, SupportCase
from crm.services.cases import appended
from crm.services.contact import SupportWait, support_wait
from crm.uow import UnitOfWork

# Minutes one agent needs per chat on average; with the agents on duty it gives the wait.
HANDLING_MINUTES = 6
# A shop that has no agent accounts yet (the console unused): assume this many on duty.
DEFAULT_AGENTS_AVAILABLE = 2
_REASON_TOPICS = {
    HandoffReason.CUSTOMER_ASKED: "asked for a person",
    HandoffReason.MISUNDERSTOOD: "the assistant did not understand",
    HandoffReason.COMPLAINT: "complaint",
    HandoffReason.PROACTIVE: "answer to a message we sent",
    HandoffReason.LOW_RATING: "low rating",
    HandoffReason.IDENTIFICATION: "could not identify",
    HandoffReason.OTHER_LANGUAGE: "wrote in another language",
}


@dataclass(frozen=True)
class QueueView:
    case_number: str
    status: CaseStatus
    reused: bool
    # 1 = next in line; None once a person has the chat.
    position: int | None
    expected_minutes: int | None
    wait: SupportWait

    @property
    def with_agent(self) -> bool:
        return self.status is CaseStatus.WITH_AGENT


@dataclass(frozen=True)
class TakenCase:
    case_number: str
    conversation_id: str | None
    channel: Channel | None
    customer_id: int | None


class CaseNotWaiting(LookupError):
    """No handoff with that number is in the state the operation needs."""


def request_handoff(
    uow: UnitOfWork,
    customer_id: int | None,
    conversation_id: str,
    channel: Channel,
    now: datetime,
    *,
    reason: HandoffReason,
    note: str = "",
    agents_available: int | None = None,
) -> QueueView:
    """Queues the conversation for a person; asking again joins the waiting case, never a second one.

    One waiting case per conversation, and per customer: an identified customer who moves to
    another channel takes their place in line with them.
    """
    with uow:
        case = uow.cases.active_for_conversation(conversation_id, CaseKind.HANDOFF)
        if case is None and customer_id is not None:
            case = uow.cases.active_for(customer_id, CaseKind.HANDOFF)
        reused = case is not None
        if case is not None:
            case.conversation_id, case.channel = conversation_id, channel
            if case.status is CaseStatus.OPEN:  # handed back to the bot earlier: queue it again
                case.status = CaseStatus.WAITING_AGENT
            if note:
                case.description = appended(case.description, note, now)
        else:
            case = SupportCase(
                customer_id=customer_id,
                kind=CaseKind.HANDOFF,
                topic=_REASON_TOPICS[reason],
                description=appended("", note, now) if note else "",
                status=CaseStatus.WAITING_AGENT,
                opened_at=now,
                conversation_id=conversation_id,
                channel=channel,
                reason=reason,
            )
            uow.cases.add_numbered(case)
        view = _queue_view(uow, case, now, reused, agents_available)
        uow.commit()
        return view


def queue_status(
    uow: UnitOfWork, conversation_id: str, now: datetime, agents_available: int | None = None
) -> QueueView | None:
    """Where this conversation's request for a person stands, or None when there is none."""
    with uow:
        case = uow.cases.active_for_conversation(conversation_id, CaseKind.HANDOFF)
        return _queue_view(uow, case, now, True, agents_available) if case else None


def add_details(uow: UnitOfWork, conversation_id: str, text: str, now: datetime) -> QueueView | None:
    """Adds the customer's words to their waiting request, for the agent who takes it."""
    with uow:
        case = uow.cases.active_for_conversation(conversation_id, CaseKind.HANDOFF)
        if case is None:
            return None
        case.description = appended(case.description, text, now)
        view = _queue_view(uow, case, now, True, None)
        uow.commit()
        return view


def withdraw_handoff(uow: UnitOfWork, conversation_id: str, now: datetime) -> str | None:
    """The customer no longer needs a person: the waiting case is withdrawn. Returns its number."""
    with uow:
        case = uow.cases.active_for_conversation(conversation_id, CaseKind.HANDOFF)
        if case is None or case.status is not CaseStatus.WAITING_AGENT:
            return None
        case.status, case.closed_at = CaseStatus.WITHDRAWN, now
        case.description = appended(case.description, "Withdrawn by the customer in chat.", now)
        number = case.number
        uow.commit()
        return number


def take_case(uow: UnitOfWork, number: str, agent: str, now: datetime) -> TakenCase:
    """An agent takes a waiting chat. The caller then pauses the conversation in Rasa."""
    with uow:
        case = uow.cases.by_number(number)
        if case is None or case.kind is not CaseKind.HANDOFF or case.status is not CaseStatus.WAITING_AGENT:
            raise CaseNotWaiting(number)
        case.status, case.taken_at, case.taken_by = CaseStatus.WITH_AGENT, now, agent[:80]
        taken = TakenCase(case.number, case.conversation_id, case.channel, case.customer_id)
        uow.commit()
        return taken


def release_case(uow: UnitOfWork, number: str, now: datetime, *, close: bool) -> TakenCase:
    """The agent hands the chat back to the bot (the case waits again) or closes it."""
    with uow:
        case = uow.cases.by_number(number)
        if case is None or case.kind is not CaseKind.HANDOFF or case.status is not CaseStatus.WITH_AGENT:
            raise CaseNotWaiting(number)
        if close:
            case.status, case.closed_at = CaseStatus.CLOSED, now
        else:
            case.status, case.taken_at, case.taken_by = CaseStatus.OPEN, None, None
        released = TakenCase(case.number, case.conversation_id, case.channel, case.customer_id)
        uow.commit()
        return released


def _queue_view(
    uow: UnitOfWork, case: SupportCase, now: datetime, reused: bool, agents_available: int | None
) -> QueueView:
    wait = support_wait(now)
    if case.status is not CaseStatus.WAITING_AGENT:
        return QueueView(case.number, case.status, reused, None, None, wait)
    position = uow.cases.waiting_before(case) + 1
    if agents_available is None:
        # The agents who set themselves available in the console; none on duty means no estimate.
        on_duty = uow.staff.agents_on_duty()
        agents_available = DEFAULT_AGENTS_AVAILABLE if on_duty is None else on_duty
    # Rounded up to whole handling slots: "about 6 minutes" for the first in line.
    expected = (
        -(-position // agents_available) * HANDLING_MINUTES
        if wait.open_now and agents_available > 0
        else None
    )
    return QueueView(case.number, case.status, reused, position, expected, wait)
