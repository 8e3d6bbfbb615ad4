"""The proactive engine for a run: the local fake mail server (demo), the scheduler, one pump."""

from __future__ import annotations

import os
from pathlib import Path

from crm.settings import Settings
from stack.environment import chat_secret
from stack.paths import APP_PYTHON, PROJECT_ROOT
from stack.processes import ManagedProcess

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def uses_fake_mail(settings: Settings) -> bool:
    """Mail goes to the local fake unless SMTP_HOST names another server."""
    return settings.smtp_host in LOOPBACK


def mailbox_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.fake_mailbox_port}"


def proactive_environment(settings: Settings, token: str) -> dict[str, str]:
    """The scheduler's and the pump's: the store, Rasa's API, the mail server, the link secret."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        RASA_HOST=settings.rasa_host,
        RASA_PORT=str(settings.rasa_port),
        RASA_AUTH_TOKEN=token,  # through the environment: a command line is visible to all
        CHAT_TOKEN_SECRET=chat_secret(settings),
        SHOP_PORT=str(settings.shop_port),
        SMTP_HOST=settings.smtp_host,
        SMTP_PORT=str(settings.smtp_port),
        MAIL_FROM=settings.mail_from,
        PYTHONPATH=str(PROJECT_ROOT),
    )
    if settings.frozen_now is not None:
        env["ASSISTANT_FROZEN_NOW"] = settings.frozen_now.isoformat()
    return env


def start_fake_mail(settings: Settings, *, echo: bool = True, log_file: Path | None = None) -> ManagedProcess:
    command = [
        str(APP_PYTHON), "-m", "fakes.smtp",
        "--port", str(settings.fake_mailbox_port), "--smtp-port", str(settings.smtp_port),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return ManagedProcess("mail", command, env=env, cwd=PROJECT_ROOT, echo=echo, log_file=log_file)


def start_scheduler(
    settings: Settings, token: str, *, echo: bool = True, log_file: Path | None = None
) -> ManagedProcess:
    return ManagedProcess(
        "scheduler",
        [str(APP_PYTHON), "-m", "proactive", "scheduler"],
        env=proactive_environment(settings, token),
        cwd=PROJECT_ROOT,
        echo=echo,
        log_file=log_file,
    )


def start_pump(
    settings: Settings, token: str, *, echo: bool = True, log_file: Path | None = None
) -> ManagedProcess:
    return ManagedProcess(
        "pump",
        [str(APP_PYTHON), "-m", "proactive", "pump"],
        env=proactive_environment(settings, token),
        cwd=PROJECT_ROOT,
        echo=echo,
        log_file=log_file,
    )
