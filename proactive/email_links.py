"""Signed, expiring links for the answers under a proactive email (yes, not now, later, less
often, another channel, stop). The storefront (`web/email_controls.py`) checks them.

A token is `base64url(JSON claims) "." base64url(HMAC-SHA256)`, keyed with a key derived from the
chat-token secret for this purpose only, so a chat token can never pass for a link or back.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

LINK_TTL = timedelta(days=14)


class EmailAction(enum.StrEnum):
    YES = "yes"
    NOT_NOW = "not_now"
    LATER = "later"
    LESS_OFTEN = "less_often"
    OTHER_CHANNEL = "other_channel"
    STOP = "stop"


LABELS = {
    EmailAction.YES: "Yes, please",
    EmailAction.NOT_NOW: "Not now",
    EmailAction.LATER: "Remind me later",
    EmailAction.LESS_OFTEN: "Less often",
    EmailAction.OTHER_CHANNEL: "Another channel",
    EmailAction.STOP: "Stop these messages",
}


class BadLink(ValueError):
    """The link was altered, made for something else, or has expired."""


@dataclass(frozen=True)
class LinkClaims:
    key: str  # the outbox key of the message the link came with
    customer: str  # the customer's reference
    action: EmailAction
    expires: datetime
    # What an undo restores (the channels whose marketing consent was in force), signed with it.
    extra: str = ""


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"email-controls\0" + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(
    secret: str,
    key: str,
    customer: str,
    action: EmailAction,
    now: datetime,
    ttl: timedelta = LINK_TTL,
    extra: str = "",
) -> str:
    claims: dict[str, object] = {
        "k": key,
        "c": customer,
        "a": action.value,
        "e": int((now + ttl).timestamp()),
    }
    if extra:
        claims["x"] = extra
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(secret: str, token: str, now: datetime) -> LinkClaims:
    body, _, mac = token.partition(".")
    try:
        expected = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
        if not mac or not hmac.compare_digest(expected, _unb64(mac)):
            raise BadLink("this link is not one we sent")
        claims = json.loads(_unb64(body))
        action = EmailAction(claims["a"])
        expires = datetime.fromtimestamp(int(claims["e"]), now.tzinfo)
        parsed = LinkClaims(str(claims["k"]), str(claims["c"]), action, expires, str(claims.get("x", "")))
    except (ValueError, KeyError, TypeError) as error:
        if isinstance(error, BadLink):
            raise
        raise BadLink("this link is not one we sent") from error
    if parsed.expires <= now:
        raise BadLink("this link has expired")
    return parsed
