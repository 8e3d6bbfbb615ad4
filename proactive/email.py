"""Email, the third channel: plain SMTP, the same reason text, and the answers as signed links.

Exactly once, as far as SMTP allows: the Message-ID is derived from the outbox key, and the row
notes the address before the SMTP transaction. SMTP gives no way to ask a server afterwards
whether it accepted a message, so a pump that dies between the server's "250 OK" and its own
commit sends the mail again after the lease: at least once in that window (seconds), with the
same Message-ID, which mail clients and most mailbox providers use to drop the duplicate.
"""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate

from crm.models import Channel
from crm.settings import Settings
from crm.uow import UnitOfWork
from outreach.send import Delivery, SendResult
from proactive.channels import Outgoing
from proactive.email_links import LABELS, EmailAction, sign

SMTP_TIMEOUT = 30.0
MESSAGE_ID_DOMAIN = "proactive.shop.example"


def message_id(key: str) -> str:
    """The same key always gives the same Message-ID, so a resent mail is recognisably the same."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{MESSAGE_ID_DOMAIN}>"


class EmailSender:
    def __init__(
        self,
        store: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
        *,
        host: str,
        port: int,
        mail_from: str,
        shop_url: str,
        link_secret: str,
    ) -> None:
        self._store = store
        self._clock = clock
        self._host, self._port = host, port
        self._from = mail_from
        self._shop = shop_url.rstrip("/")
        self._secret = link_secret

    @classmethod
    def from_settings(cls, settings: Settings, store: Callable[[], UnitOfWork]) -> EmailSender:
        if not settings.chat_token_secret:
            raise RuntimeError(
                "no CHAT_TOKEN_SECRET (make run writes var/chat-token-secret): email links are signed with it"
            )
        return cls(
            store,
            settings.now,
            host=settings.smtp_host,
            port=settings.smtp_port,
            mail_from=settings.mail_from,
            shop_url=settings.shop_url,
            link_secret=settings.chat_token_secret,
        )

    def address(self, uow: UnitOfWork, message: Outgoing, channel: Channel) -> str | None:
        customer = uow.customers.by_id(message.customer_id)
        return customer.email if customer and customer.email else None

    def send(self, message: Outgoing, channel: Channel, address: str | None = None) -> SendResult:
        # The address was noted a moment ago from the same row: the customer's own, read again
        # here with the name and reference the mail carries.
        with self._store() as uow:
            customer = uow.customers.by_id(message.customer_id)
            if customer is None:
                return SendResult(Delivery.UNKNOWN_CUSTOMER, detail=str(message.customer_id))
            if not customer.email:
                return SendResult(Delivery.NO_CHANNEL, detail="no email address")
            to, ref, name = customer.email, customer.external_ref, customer.name
        return self.send_to(message, to, ref, name)

    def send_to(self, message: Outgoing, to: str, customer_ref: str, name: str) -> SendResult:
        """Sends to `to` (the customer's address, or a marketer's own for a test send)."""
        mail = self.compose(message, to, customer_ref, name)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=SMTP_TIMEOUT) as smtp:
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            return SendResult(Delivery.UNREACHABLE, to, f"the mail server refused {to}: {error.recipients}")
        except (smtplib.SMTPException, OSError) as error:
            return SendResult(Delivery.FAILED, to, f"SMTP {self._host}:{self._port}: {error}")
        return SendResult(Delivery.DELIVERED, to)

    def already_delivered(self, message: Outgoing, address: str) -> bool | None:
        return None  # SMTP cannot be asked; see the module's docstring

    def compose(self, message: Outgoing, to: str, customer_ref: str, name: str) -> EmailMessage:
        now = self._clock()
        text = str(message.context.get("message") or "").strip()
        if not text:
            raise ValueError(f"outbox row {message.key}: its context has no message text")
        links = [
            (
                LABELS[action],
                f"{self._shop}/email/{sign(self._secret, message.key, customer_ref, action, now)}",
            )
            for action in EmailAction
        ]
        first = name.split()[0] if name else ""
        # The trigger's text usually greets the customer itself ("Hi Kai, ...").
        greeting = [] if text.lower().startswith(("hi ", "hello", "dear ")) else [f"Hello {first},", ""]
        lines = [*greeting, text, "", "Your answer, one click:"]
        lines += [f"  {label}: {url}" for label, url in links]
        lines += [
            "",
            "You get this because you are a customer of the shop. The last link stops these messages.",
        ]
        mail = EmailMessage()
        mail["From"] = self._from
        mail["To"] = to
        mail["Subject"] = subject_line(message)
        mail["Message-ID"] = message_id(message.key)
        mail["Date"] = formatdate(localtime=False)
        mail["X-Proactive-Key"] = message.key
        mail["List-Unsubscribe"] = f"<{links[-1][1]}>"
        mail.set_content("\n".join(lines))
        buttons = "".join(f'<p><a href="{url}">{label}</a></p>' for label, url in links)
        paragraphs = "".join(f"<p>{_html(p)}</p>" for p in [*greeting[:1], text])
        mail.add_alternative(f"<html><body>{paragraphs}{buttons}</body></html>", subtype="html")
        return mail


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# What the inbox shows, per kind of message; the message itself says why it was sent.
SUBJECTS = {
    "replenishment": "Running low on {product}?",
    "service_due": "Time for a service",
    "delivery_late": "About your order {order}",
}


def subject_line(message: Outgoing) -> str:
    if message.context.get("email_subject"):  # a test send names itself
        return str(message.context["email_subject"])
    template = SUBJECTS.get(message.intent.removeprefix("EXTERNAL_"))
    try:
        return template.format_map(message.context) if template else "A note from your shop"
    except (KeyError, ValueError):
        return "A note from your shop"
