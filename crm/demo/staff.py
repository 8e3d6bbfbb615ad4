"""The demo's staff accounts: one agent, one marketer, one admin, with random passwords.

The passwords are generated on the first seed and written to a file of the owner only (var/, not
the repository), since a password in code is no secret; the launcher prints them once.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from crm.models import StaffRole
from crm.services.staff import create_user
from crm.uow import UnitOfWork

DEMO_STAFF = (
    ("agent@demo", "Alex Agent", StaffRole.AGENT),
    ("marketer@demo", "Mira Marketer", StaffRole.MARKETER),
    ("admin@demo", "Ada Admin", StaffRole.ADMIN),
)


def seed_demo_staff(uow: UnitOfWork, now: datetime, logins_file: Path) -> dict[str, str] | None:
    """Creates the demo accounts when the store has no staff yet; returns email -> password then.

    None when staff exist already (their passwords, if demo ones, are in `logins_file`).
    """
    with uow:
        if uow.staff.count():
            return None
    passwords = {email: secrets.token_urlsafe(12) for email, _, _ in DEMO_STAFF}
    for email, name, role in DEMO_STAFF:
        create_user(uow, email, name, role, passwords[email], now, actor="demo seed")
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    logins_file.touch(mode=0o600)
    logins_file.chmod(0o600)
    logins_file.write_text(
        "# Demo console logins (make run created them; delete the store to start afresh)\n"
        + "".join(f"{email} {password}\n" for email, password in passwords.items()),
        encoding="utf-8",
    )
    return passwords
