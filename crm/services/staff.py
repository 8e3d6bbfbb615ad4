"""The shop's staff: argon2-hashed passwords, throttled logins, server-side sessions, roles, duty.

A session id is random and reaches the browser only; the store keeps its SHA-256, so a copy of
the database opens no session. Failed logins are counted per account in the store: after
`MAX_FAILURES` in a row the account refuses even the right password for `LOCKOUT`.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from crm.models import Availability, StaffRole, StaffSession, StaffUser
from crm.services.audit import audit
from crm.uow import UnitOfWork

SESSION_TTL = timedelta(hours=12)
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class StaffView:
    id: int
    email: str
    name: str
    role: StaffRole
    active: bool
    availability: Availability

    @property
    def actor(self) -> str:
        return self.email


@dataclass(frozen=True)
class LoginResult:
    user: StaffView | None
    session_id: str | None = None
    csrf_token: str | None = None
    # "ok", "invalid" (wrong email or password: never which), "locked"
    outcome: str = "invalid"


@dataclass(frozen=True)
class SessionView:
    user: StaffView
    csrf_token: str


class StaffError(ValueError):
    """A change to staff that cannot be made (the message says why)."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def create_user(
    uow: UnitOfWork,
    email: str,
    name: str,
    role: StaffRole,
    password: str,
    now: datetime,
    *,
    actor: str,
) -> StaffView:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise StaffError("an email address is needed")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    with uow:
        if uow.staff.by_email(email) is not None:
            raise StaffError(f"{email} already has an account")
        user = StaffUser(
            email=email,
            name=name.strip()[:120] or email,
            role=role,
            password_hash=hash_password(password),
            active=True,
            availability=Availability.AWAY,
            failed_logins=0,
            created_at=now,
        )
        uow.staff.add(user)
        audit(uow, actor, "staff.created", f"staff:{user.id}", None, _public(user), now)
        view = _view(user)
        uow.commit()
        return view


def log_in(uow: UnitOfWork, email: str, password: str, now: datetime) -> LoginResult:
    with uow:
        user = uow.staff.by_email(email.strip().lower())
        if user is None or not user.active:
            _verify(_dummy_hash(), password)
            return LoginResult(None)
        if user.locked_until is not None and user.locked_until > now:
            return LoginResult(None, outcome="locked")
        if not _verify(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.failed_logins, user.locked_until = 0, now + LOCKOUT
            uow.commit()
            return LoginResult(
                None, outcome="locked" if user.locked_until and user.locked_until > now else "invalid"
            )
        if _HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        uow.staff.drop_expired_sessions(now)
        uow.staff.add_session(
            StaffSession(
                id_hash=_digest(session_id),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + SESSION_TTL,
            )
        )
        view = _view(user)
        uow.commit()
        return LoginResult(view, session_id, csrf, "ok")


def session_user(uow: UnitOfWork, session_id: str | None, now: datetime) -> SessionView | None:
    if not session_id or len(session_id) > 200:
        return None
    with uow:
        row = uow.staff.session_by_hash(_digest(session_id))
        if row is None or row.expires_at <= now:
            return None
        user = uow.staff.by_id(row.user_id)
        if user is None or not user.active:
            return None
        return SessionView(_view(user), row.csrf_token)


def log_out(uow: UnitOfWork, session_id: str) -> None:
    with uow:
        uow.staff.drop_session(_digest(session_id))
        uow.commit()


def staff_list(uow: UnitOfWork) -> list[StaffView]:
    with uow:
        return [_view(user) for user in uow.staff.all()]


def set_availability(uow: UnitOfWork, user_id: int, availability: Availability, now: datetime) -> StaffView:
    with uow:
        user = uow.staff.by_id(user_id)
        if user is None:
            raise StaffError("no such user")
        user.availability, user.availability_at = availability, now
        view = _view(user)
        uow.commit()
        return view


def change_user(
    uow: UnitOfWork,
    user_id: int,
    now: datetime,
    *,
    actor: str,
    role: StaffRole | None = None,
    active: bool | None = None,
) -> StaffView:
    """An admin changes a role or (de)activates an account; sessions end when access shrinks."""
    with uow:
        user = uow.staff.by_id(user_id)
        if user is None:
            raise StaffError("no such user")
        before = _public(user)
        if role is not None:
            user.role = role
        if active is not None:
            user.active = active
            if not active:
                user.availability = Availability.AWAY
        after = _public(user)
        if after != before:
            uow.staff.drop_sessions_of(user.id)
            audit(uow, actor, "staff.changed", f"staff:{user.id}", before, after, now)
        view = _view(user)
        uow.commit()
        return view


def agents_on_duty(uow: UnitOfWork) -> int | None:
    with uow:
        return uow.staff.agents_on_duty()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong password."""
    return _HASHER.hash("no such user: the same work as a real check")


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _public(user: StaffUser) -> dict[str, object]:
    return {"email": user.email, "name": user.name, "role": user.role.value, "active": user.active}


def _view(user: StaffUser) -> StaffView:
    return StaffView(user.id, user.email, user.name, user.role, user.active, user.availability)
