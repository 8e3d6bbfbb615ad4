"""Email end to end on this machine: the fake mail server as its own process (as `make run` starts
it), a test send of a draft trigger from the command line, the mail with its reason and the six
answer links, each signed and checked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.models import ConsentPurpose, Predictor, Trigger, TriggerStatus
from crm.settings import Settings
from proactive.email_links import BadLink, EmailAction, sign, verify
from stack.paths import PROJECT_ROOT
from stack.proactive import mailbox_url, start_fake_mail
from stack.processes import ManagedProcess
from tests.factories import add_customer
from tests.support.live import free_port
from tests.support.outbox import rows

SECRET = "email-test-secret-at-least-32-bytes-long"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def mail_settings(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(
        database_url="sqlite:///unused.db",
        tracker_store_url="sqlite:///unused.db",
        rasa_host="127.0.0.1",
        rasa_port=5798,
        action_port=5797,
        nlu_port=5796,
        rasa_auth_token="unused",
        smtp_port=free_port(),
        fake_mailbox_port=free_port(),
    )
    server: ManagedProcess = start_fake_mail(settings, echo=False, log_file=tmp_path / "mail.log")
    try:
        server.wait_healthy(f"{mailbox_url(settings)}/fake/mails", 60)
        yield settings
    finally:
        server.stop()


def draft_trigger(engine: Engine) -> None:
    with Session(engine) as session:
        add_customer(session, "C00042", "Dana Weber")
        session.add(
            Trigger(
                name="water filters",
                predictor=Predictor.REPLENISHMENT,
                template="Your {product} was fitted {days} days ago; filters last about 90 days.",
                category=ConsentPurpose.SERVICE,
                window_start=time(9),
                window_end=time(19),
                status=TriggerStatus.DRAFT,
                throttle_per_hour=None,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.commit()


def run_test_send(url: str, settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "DATABASE_URL": url,
        "SMTP_PORT": str(settings.smtp_port),
        "CHAT_TOKEN_SECRET": SECRET,
        "RASA_AUTH_TOKEN": "unused",
        "RASA_PORT": "5798",
    }
    return subprocess.run(
        [sys.executable, "-m", "proactive", "test-send", "water filters", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_test_send_mails_the_reason_and_six_signed_answer_links_and_writes_no_outbox_row(
    store: Engine, sqlite_url: str, mail_settings: Settings
) -> None:
    draft_trigger(store)

    done = run_test_send(
        sqlite_url, mail_settings, "--to", "email:marketer@shop.example", "--customer", "C00042",
        "--fact", "product=water filter", "--fact", "days=88",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    [mail] = httpx.get(f"{mailbox_url(mail_settings)}/fake/mails", timeout=10).json()
    assert mail["to"] == ["marketer@shop.example"] and mail["subject"].startswith("[Test]")
    assert "Your water filter was fitted 88 days ago; filters last about 90 days." in mail["text"]
    tokens = re.findall(r"/email/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)", mail["text"])
    actions = [verify(SECRET, token, datetime.now(UTC)).action for token in tokens]
    assert actions == list(EmailAction)
    assert rows(store) == []  # a test: never in the outbox, never in its statistics


def test_a_test_send_missing_a_template_value_says_which_and_sends_nothing(
    store: Engine, sqlite_url: str, mail_settings: Settings
) -> None:
    draft_trigger(store)

    done = run_test_send(sqlite_url, mail_settings, "--to", "email:m@shop.example", "--customer", "C00042")

    assert done.returncode == 2 and "days" in done.stderr and "product" in done.stderr
    assert httpx.get(f"{mailbox_url(mail_settings)}/fake/mails", timeout=10).json() == []


def test_an_altered_or_expired_link_is_refused() -> None:

    token = sign(SECRET, "filter:1:2026-11", "C00042", EmailAction.STOP, NOW, timedelta(days=14))
    mac = token.split(".")[1]

    assert verify(SECRET, token, NOW).customer == "C00042"
    with pytest.raises(BadLink, match="expired"):
        verify(SECRET, token, NOW + timedelta(days=15))
    forged = sign(SECRET, "filter:1:2026-11", "C00043", EmailAction.STOP, NOW).split(".")[0]
    with pytest.raises(BadLink, match="not one we sent"):
        verify(SECRET, f"{forged}.{mac}", NOW)
    with pytest.raises(BadLink):
        verify("another-secret-of-at-least-32-bytes", token, NOW)
