"""What every console route needs: the store, the clock, who is asking, Rasa, and the desk actions
that change a chat both in the store and in Rasa (pages and the JSON API share them)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from console.chat import ChatError, Line
from console.security import Guard, LoginThrottle, Staff
from console.settings import ConsoleSettings
from crm.models import CaseStatus, Channel
from crm.services import desk
from crm.uow import UnitOfWork
from proactive.channels import ChannelSender

log = logging.getLogger(__name__)


class Chat(Protocol):
    """The part of `RasaChat` the console uses (tests may stand in a recording fake)."""

    def transcript(self, conversation_id: str) -> list[Line]: ...
    def join(self, conversation_id: str, agent_name: str, agent: str) -> None: ...
    def say(self, conversation_id: str, text: str, agent: str) -> None: ...
    def hand_back(self, conversation_id: str, agent: str) -> None: ...
    def close(self, conversation_id: str, agent: str) -> None: ...
    def ask_rating(self, conversation_id: str, case_number: str) -> None: ...
    def forget(self, conversation_ids: Any) -> dict[str, int]: ...


class ChatUnavailable(RuntimeError):
    """The store changed nothing (or was put back) because Rasa could not be reached."""


@dataclass
class Console:
    store: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    guard: Guard
    throttle: LoginThrottle
    chat: Chat
    settings: ConsoleSettings
    # The engine's channel senders, for a marketer's test send (made when first needed).
    senders: Callable[[], Mapping[Channel, ChannelSender]]

    def take(self, staff: Staff, number: str) -> desk.DeskCase:
        taken = desk.take(self.store(), number, staff.actor, self.clock())
        if taken.conversation_id:
            try:
                self.chat.join(taken.conversation_id, staff.user.name.split()[0], staff.actor)
            except ChatError as error:
                # Nobody may think they have the chat while the bot still answers: it waits again.
                desk.untake(self.store(), number, staff.actor, self.clock())
                raise ChatUnavailable(str(error)) from error
        return taken

    def reply(self, staff: Staff, number: str, text: str) -> None:
        case = self._held(staff, number)
        if not case.conversation_id:
            raise desk.DeskError("this case has no chat to answer in")
        self._tell(lambda: self.chat.say(str(case.conversation_id), text, staff.actor))
        desk.record_reply(self.store(), number, staff.actor, self.clock())

    def hand_back(self, staff: Staff, number: str) -> desk.DeskCase:
        case = self._held(staff, number)
        if case.conversation_id:
            self._tell(lambda: self.chat.hand_back(str(case.conversation_id), staff.actor))
        return desk.hand_back(self.store(), number, staff.actor, self.clock())

    def close(self, staff: Staff, number: str) -> desk.DeskCase:
        case = self._held(staff, number)
        if case.conversation_id:
            self._tell(lambda: self.chat.close(str(case.conversation_id), staff.actor))
        closed = desk.close(self.store(), number, staff.actor, self.clock())
        if case.conversation_id:
            # Asked once the store closed the case, so the customer's rating finds it closed. A
            # failure here loses only the question, not the close.
            try:
                self.chat.ask_rating(case.conversation_id, case.number)
            except ChatError as error:
                log.warning("case %s closed; the rating question did not go out: %s", number, error)
        return closed

    def _held(self, staff: Staff, number: str) -> desk.DeskCase:
        case = desk.desk_case(self.store(), number)
        if case.status is not CaseStatus.WITH_AGENT or case.taken_by != staff.actor[:80]:
            raise desk.DeskError("this chat is not yours: take it first")
        return case

    def transcript(self, conversation_id: str | None) -> tuple[list[Line], str | None]:
        if not conversation_id:
            return [], None
        try:
            return self.chat.transcript(conversation_id), None
        except ChatError as error:
            return [], str(error)

    @staticmethod
    def _tell(action: Callable[[], None]) -> None:
        try:
            action()
        except ChatError as error:
            log.error("Rasa did not take the desk's message: %s", error)
            raise ChatUnavailable(str(error)) from error
