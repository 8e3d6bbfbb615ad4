"""Phrases several flows share, and the formatting of money and dates in replies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

STORE_UNAVAILABLE = (
    "Sorry, I can't reach our order system right now. Please try again in a few minutes; "
    "nothing you told me is lost."
)
WHO_ARE_YOU = (
    "To look at your orders I need to know it's you. If you have an account, log in on our website "
    "and open the chat there; or tell me an order number and the email address you ordered with."
)
ACCOUNT_NEEDS_LOGIN = (
    "For that I need you logged in: please log in on our website and open the chat there "
    "(in this chat I can only help with order {order})."
)
NOTHING_CHANGED = "OK, I haven't changed anything."
ANYTHING_ELSE = "Anything else I can help with?"


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def day(value: date) -> str:
    """ "Mon 30 Nov": a date customers read at a glance."""
    return value.strftime("%a %-d %b")


def long_day(value: date) -> str:
    return value.strftime("%-d %b %Y")


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")
