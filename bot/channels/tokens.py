"""Chat tokens as the Rasa-side channels check them (the same rules as `crm.chat_tokens`).

`bot/` may not import the modern environment, so the check is repeated here with PyJWT, which
both environments have; `tests/unit/test_channel_tokens.py` keeps the two in step. The socket.io
channel checks a token once, when the socket connects, to decide which conversation the socket
belongs to; the action server checks it again on every turn before it answers from the account.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import jwt

CUSTOMER_AUDIENCE = "chat"
VISITOR_AUDIENCE = "chat-visitor"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class VerifiedToken:
    subject: str
    audience: str
    expires_at: float  # seconds since the epoch


def clock_from_environment() -> Callable[[], float]:
    """The real clock, or the frozen one tests and demos set with ASSISTANT_FROZEN_NOW."""
    frozen = os.environ.get("ASSISTANT_FROZEN_NOW")
    if not frozen:
        return time.time
    moment = datetime.fromisoformat(frozen)
    if moment.tzinfo is None:
        raise ValueError(f"ASSISTANT_FROZEN_NOW={frozen!r} needs a UTC offset")
    fixed = moment.timestamp()
    return lambda: fixed


class ChatTokens:
    """Verifies storefront-signed tokens; with no secret configured every token is refused."""

    def __init__(self, secret: str | None, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret or None
        self.now = clock

    @classmethod
    def from_environment(cls) -> ChatTokens:
        return cls(os.environ.get("CHAT_TOKEN_SECRET"), clock_from_environment())

    def verify(self, token: object) -> VerifiedToken | None:
        """The token's subject and audience if it is genuine and unexpired, else None."""
        if not isinstance(token, str) or not token or len(token) > 4096 or not self._secret:
            return None
        for audience in (CUSTOMER_AUDIENCE, VISITOR_AUDIENCE):
            try:
                claims = jwt.decode(
                    token,
                    self._secret,
                    algorithms=[ALGORITHM],
                    audience=audience,
                    options={"require": ["sub", "exp", "iat"], "verify_exp": False},
                )
            except jwt.InvalidAudienceError:
                continue
            except jwt.PyJWTError:
                return None
            subject, expires = claims.get("sub"), float(claims["exp"])
            if not isinstance(subject, str) or not subject or expires <= self.now():
                return None
            return VerifiedToken(subject, audience, expires)
        return None
