"""Triggers, the engine's switches, and its recorded decisions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import ProactiveDecision, ProactiveSwitch, Trigger, TriggerStatus


class TriggerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_id(self, trigger_id: int) -> Trigger | None:
        return self._session.get(Trigger, trigger_id)

    def by_name(self, name: str) -> Trigger | None:
        return self._session.scalar(select(Trigger).where(Trigger.name == name))

    def all(self) -> list[Trigger]:
        return list(self._session.scalars(select(Trigger).order_by(Trigger.name)))

    def active(self) -> list[Trigger]:
        return list(
            self._session.scalars(
                select(Trigger).where(Trigger.status == TriggerStatus.ACTIVE).order_by(Trigger.id)
            )
        )

    def add(self, trigger: Trigger) -> None:
        self._session.add(trigger)

    def switch(self, name: str) -> ProactiveSwitch | None:
        return self._session.get(ProactiveSwitch, name)

    def set_switch(self, switch: ProactiveSwitch) -> None:
        self._session.merge(switch)

    def add_decisions(self, decisions: list[ProactiveDecision]) -> None:
        self._session.add_all(decisions)
