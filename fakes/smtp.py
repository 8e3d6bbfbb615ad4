"""A local mail server and mailbox page: what the demo and the tests send proactive emails to.

SMTP side: a real SMTP server (aiosmtpd) on `--smtp-port` (default 8025) that accepts every mail
and keeps it in memory. Mailbox side, on `--port` (default 8082): `/` lists the mails as a person
would read them (the answer links are live links to the storefront), `/fake/mails` returns them as
JSON (`?to=` filters by recipient, `?message_id=` by Message-ID), `/fake/reset` forgets them.

`python -m fakes.smtp --port 8082 --smtp-port 8025` serves both (`make run` does).
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

_PAGE = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape()
).get_template("mailbox.html")


@dataclass
class Mailbox:
    """Every mail the server accepted, in arrival order."""

    mails: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, envelope_from: str, recipients: list[str], data: bytes) -> dict[str, Any]:
        parsed = message_from_bytes(data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        mail = {
            "message_id": str(parsed.get("Message-ID", "")),
            "key": str(parsed.get("X-Proactive-Key", "")),
            "from": envelope_from,
            "to": recipients,
            "subject": str(parsed.get("Subject", "")),
            "text": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else "",
            "received_at": time.time(),
        }
        with self._lock:
            self.mails.append(mail)
        return mail

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.mails)

    def clear(self) -> None:
        with self._lock:
            self.mails.clear()


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self._mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self._mailbox.keep(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], content)
        return "250 Message accepted for delivery"


def start_smtp(mailbox: Mailbox, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Starts the SMTP server in a thread of this process; `.stop()` ends it."""
    controller = Controller(_Handler(mailbox), hostname=host, port=port)
    controller.start()
    return controller


def create_app(mailbox: Mailbox) -> FastAPI:
    app = FastAPI(title="Fake mailbox")

    @app.get("/fake/mails")
    async def mails(to: str | None = None, message_id: str | None = None) -> list[dict[str, Any]]:
        return [
            m
            for m in mailbox.snapshot()
            if (to is None or to in m["to"]) and (message_id is None or m["message_id"] == message_id)
        ]

    @app.post("/fake/reset")
    async def reset() -> dict[str, str]:
        mailbox.clear()
        return {"status": "reset"}

    @app.get("/", response_class=HTMLResponse)
    async def page(to: str | None = None) -> HTMLResponse:
        shown = [m for m in reversed(mailbox.snapshot()) if to is None or to in m["to"]]
        return HTMLResponse(_PAGE.render(mails=shown, to=to))

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m fakes.smtp", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082, help="the mailbox page")
    parser.add_argument("--smtp-port", type=int, default=8025)
    args = parser.parse_args()
    mailbox = Mailbox()
    smtp = start_smtp(mailbox, args.host, args.smtp_port)
    try:
        uvicorn.run(create_app(mailbox), host=args.host, port=args.port, log_level="warning")
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
