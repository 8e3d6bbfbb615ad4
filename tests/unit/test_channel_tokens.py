"""The Rasa-side token check (bot/channels/tokens.py) agrees with the storefront's (crm.chat_tokens)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.tokens import CUSTOMER_AUDIENCE, VISITOR_AUDIENCE, ChatTokens
from crm.chat_tokens import mint, mint_visitor, verify

SECRET = "a-test-secret-of-at-least-thirty-two-bytes"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def tokens(at: datetime = NOW) -> ChatTokens:
    return ChatTokens(SECRET, lambda: at.timestamp())


def test_a_customer_token_names_the_customer_on_both_sides() -> None:
    token = mint("C00001", SECRET, NOW)

    checked = tokens().verify(token)

    assert checked is not None and (checked.subject, checked.audience) == ("C00001", CUSTOMER_AUDIENCE)
    assert verify(token, SECRET, NOW) == "C00001"


def test_a_visitor_token_keeps_a_visitor_and_proves_no_customer() -> None:
    token = mint_visitor("v-1", SECRET, NOW)

    checked = tokens().verify(token)

    assert checked is not None and (checked.subject, checked.audience) == ("v-1", VISITOR_AUDIENCE)
    assert verify(token, SECRET, NOW) is None  # the action server sees an anonymous visitor


@pytest.mark.parametrize(
    "token",
    [
        mint("C00001", "another-secret-of-at-least-thirty-two-bytes", NOW),
        mint("C00001", SECRET, NOW - timedelta(hours=9)),
        mint("C00001", SECRET, NOW, audience="something-else"),
        "not-a-token",
        "",
        None,
    ],
    ids=["wrong-secret", "expired", "wrong-audience", "garbage", "empty", "none"],
)
def test_anything_else_is_refused(token: str | None) -> None:
    assert tokens().verify(token) is None


def test_without_a_secret_every_token_is_refused() -> None:
    assert ChatTokens(None).verify(mint("C00001", SECRET, NOW)) is None
