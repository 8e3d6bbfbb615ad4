"""Who is asking, and may they: server-side sessions, CSRF tokens, roles, login throttling.

- The session cookie holds a random id (the store keeps its hash); HttpOnly, SameSite=Strict,
  and Secure when the console is served over https.
- Every state-changing request carries the session's CSRF token: a hidden `csrf` field in forms,
  an `X-CSRF-Token` header on JSON calls. The login form, which has no session yet, uses a
  double-submit cookie.
- Failed logins are limited per client address here and per account in the store.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request, Response

from crm.models import StaffRole
from crm.services.staff import SESSION_TTL, StaffView, session_user
from crm.uow import UnitOfWork

COOKIE = "console_session"
LOGIN_COOKIE = "console_login"
CSRF_HEADER = "X-CSRF-Token"
DESK = (StaffRole.AGENT, StaffRole.ADMIN)
MARKETING = (StaffRole.MARKETER, StaffRole.ADMIN)
ADMIN = (StaffRole.ADMIN,)


class NotLoggedIn(Exception):
    """No valid session: pages redirect to the login, the API answers 401."""


class Forbidden(Exception):
    """Logged in, but the role (or a missing CSRF token) does not allow it: 403."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Staff:
    user: StaffView
    csrf: str
    session_id: str

    @property
    def actor(self) -> str:
        return self.user.email

    def may(self, roles: tuple[StaffRole, ...]) -> bool:
        return self.user.role in roles


class Guard:
    def __init__(self, store: Callable[[], UnitOfWork], clock: Callable[[], datetime], https: bool) -> None:
        self._store = store
        self._clock = clock
        self._https = https

    def current(self, request: Request) -> Staff | None:
        session_id = request.cookies.get(COOKIE)
        found = session_user(self._store(), session_id, self._clock())
        if found is None or session_id is None:
            return None
        return Staff(found.user, found.csrf_token, session_id)

    def require(self, request: Request, roles: tuple[StaffRole, ...]) -> Staff:
        staff = self.current(request)
        if staff is None:
            raise NotLoggedIn()
        if not staff.may(roles):
            raise Forbidden(f"your role ({staff.user.role.value}) does not allow this")
        return staff

    def require_csrf(self, staff: Staff, given: str | None) -> None:
        if not given or not hmac.compare_digest(given.encode(), staff.csrf.encode()):
            raise Forbidden("missing or wrong CSRF token")

    def secure(self, request: Request) -> bool:
        return self._https or request.url.scheme == "https"

    def set_session(self, request: Request, response: Response, session_id: str) -> None:
        response.set_cookie(
            COOKIE,
            session_id,
            max_age=int(SESSION_TTL.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
            path="/",
        )

    def clear_session(self, request: Request, response: Response) -> None:
        response.delete_cookie(
            COOKIE, path="/", httponly=True, samesite="strict", secure=self.secure(request)
        )

    @staticmethod
    def login_token(request: Request) -> str:
        """The login form's CSRF token, kept in a cookie of its own (double submit)."""
        return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)

    def set_login_cookie(self, request: Request, response: Response, token: str) -> None:
        response.set_cookie(
            LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=self.secure(request), path="/login"
        )

    @staticmethod
    def login_token_ok(request: Request, given: str | None) -> bool:
        cookie = request.cookies.get(LOGIN_COOKIE)
        return bool(cookie and given and hmac.compare_digest(cookie.encode(), given.encode()))


class LoginThrottle:
    """At most `limit` failed logins per client address in `window` seconds (in this process)."""

    def __init__(
        self, limit: int = 20, window: float = 900.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str) -> deque[float]:
        now = self._clock()
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client)) >= self._limit

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self._clock())
            if len(self._failures) > 10_000:  # a flood of addresses must not grow without bound
                self._failures = {k: v for k, v in self._failures.items() if v}
