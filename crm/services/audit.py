"""The audit log: every change to users, roles, consents and triggers, with who, when, before and after.

`audit` adds the entry to the caller's transaction and does not commit: the change and its record
are stored together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm.models import AuditEntry
from crm.uow import UnitOfWork


@dataclass(frozen=True)
class AuditView:
    at: datetime
    actor: str
    action: str
    subject: str
    before: Any
    after: Any


def audit(
    uow: UnitOfWork,
    actor: str,
    action: str,
    subject: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    now: datetime,
) -> None:
    """Records `actor` changing `subject` (e.g. "staff:3", "customer:C00001", "trigger:7") from `before`
    to `after`. Call it inside the unit of work that makes the change."""
    uow.audit.add(
        AuditEntry(
            at=now,
            actor=actor[:254],
            action=action[:80],
            subject=subject[:160],
            before=_json(before),
            after=_json(after),
        )
    )


def recent_audit(uow: UnitOfWork, limit: int = 200, subject: str | None = None) -> list[AuditView]:
    with uow:
        return [
            AuditView(
                e.at,
                e.actor,
                e.action,
                e.subject,
                json.loads(e.before) if e.before else None,
                json.loads(e.after) if e.after else None,
            )
            for e in uow.audit.recent(limit, subject)
        ]


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True)
