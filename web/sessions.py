"""The storefront's login session: a signed cookie, with a random visitor id for everyone.

The visitor id is issued here, so an anonymous visitor's chat continues across pages; logging
out (or in) issues a new one, so the next person at a shared computer starts afresh.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

COOKIE = "shop_session"


@dataclass(frozen=True)
class ShopSession:
    visitor: str
    customer: str | None = None  # the logged-in customer's reference

    @classmethod
    def new(cls, customer: str | None = None) -> ShopSession:
        return cls(secrets.token_urlsafe(16), customer)


class SessionCookies:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"storefront-session:" + secret.encode()).digest()

    def _sign(self, data: bytes) -> str:
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()

    def dump(self, session: ShopSession) -> str:
        data = base64.urlsafe_b64encode(json.dumps([session.visitor, session.customer]).encode())
        return f"{data.decode()}.{self._sign(data)}"

    def load(self, cookie: str | None) -> ShopSession | None:
        """The session in a genuine cookie, else None (missing, tampered or malformed)."""
        if not cookie or "." not in cookie:
            return None
        data, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(data.encode())):
            return None
        try:
            visitor, customer = json.loads(base64.urlsafe_b64decode(data.encode()))
        except ValueError:
            return None
        if not isinstance(visitor, str) or not (customer is None or isinstance(customer, str)):
            return None
        return ShopSession(visitor, customer)
