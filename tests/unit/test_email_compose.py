"""What a customer's inbox shows: a subject that names the matter, one greeting, the reason, the links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from proactive.channels import Outgoing
from proactive.email import EmailSender

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def sender() -> EmailSender:
    return EmailSender(
        lambda: pytest.fail("composing needs no store"),
        lambda: NOW,
        host="127.0.0.1",
        port=1,
        mail_from="shop@example.org",
        shop_url="http://127.0.0.1:8000",
        link_secret="unit-test-secret-at-least-32-bytes-long",
    )


def outgoing(intent: str, **context: object) -> Outgoing:
    return Outgoing(1, "k:1", 7, intent, {"subject": "device:SER-1", **context})


@pytest.mark.parametrize(
    ("intent", "context", "subject"),
    [
        ("EXTERNAL_service_due", {"message": "Hi Kai, your machine wants a service."}, "Time for a service"),
        ("EXTERNAL_delivery_late", {"message": "Hi, sorry.", "order": "1015182"}, "About your order 1015182"),
        ("EXTERNAL_replenishment", {"message": "Hi.", "product": "Descaler"}, "Running low on Descaler?"),
        ("EXTERNAL_replenishment", {"message": "Hi."}, "A note from your shop"),  # a fact is missing
    ],
)
def test_the_subject_names_the_matter_never_the_internal_key(
    intent: str, context: dict[str, object], subject: str
) -> None:
    mail = sender().compose(outgoing(intent, **context), "kai@example.org", "C01354", "Kai Goh")

    assert mail["Subject"] == subject


def test_one_greeting_when_the_message_greets_and_ours_when_it_does_not() -> None:
    greets = sender().compose(
        outgoing("EXTERNAL_service_due", message="Hi Kai, time for a service."), "k@x.org", "C1", "Kai Goh"
    )
    plain = sender().compose(
        outgoing("EXTERNAL_service_due", message="Your machine wants a service."), "k@x.org", "C1", "Kai Goh"
    )

    greets_text = greets.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    plain_text = plain.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert greets_text.startswith("Hi Kai, time for a service.")
    assert "Hello" not in greets_text
    assert plain_text.startswith("Hello Kai,\n\nYour machine wants a service.")
