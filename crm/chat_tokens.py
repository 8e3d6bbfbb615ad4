"""Signed chat tokens: how a server-side login proves a customer's identity to the chat.

The storefront (or `python -m crm chat-token`) mints a short-lived HS256 JWT whose subject is
the customer's reference; the Rasa channels carry it with every message and the action server
verifies it on every turn. A sender id, a session id or anything else a client names never
decides who the customer is.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path

import jwt

AUDIENCE = "chat"
# A storefront visitor who is not logged in: the subject is a random id the storefront issued,
# which keeps their anonymous conversation across pages, and never names a customer.
VISITOR_AUDIENCE = "chat-visitor"
ALGORITHM = "HS256"
DEFAULT_TTL = timedelta(hours=8)


def mint(
    subject: str, secret: str, now: datetime, ttl: timedelta = DEFAULT_TTL, *, audience: str = AUDIENCE
) -> str:
    """A token for customer `subject` (their external reference), valid from `now` for `ttl`."""
    claims = {
        "sub": subject,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def mint_visitor(visitor_id: str, secret: str, now: datetime, ttl: timedelta = DEFAULT_TTL) -> str:
    """A token for an anonymous storefront visitor: their chat continues across pages, as nobody."""
    return mint(visitor_id, secret, now, ttl, audience=VISITOR_AUDIENCE)


def verify(token: object, secret: str | None, now: datetime) -> str | None:
    """The subject of a valid token, or None (tampered, expired, malformed, or no secret configured)."""
    if not isinstance(token, str) or not token or not secret:
        return None
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["sub", "exp", "iat"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return None
    # Expiry against the caller's clock, so tests can freeze time.
    if int(claims["exp"]) <= int(now.timestamp()):
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) and subject else None


def load_or_create_secret(path: Path) -> str:
    """The shared signing secret kept in `path` (mode 0600), created on first use."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    path.write_text(secret, encoding="utf-8")
    path.chmod(0o600)
    return secret
