"""Telegram for a run: the real Bot API when TELEGRAM_BOT_TOKEN is set, else a local fake (demo)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import httpx

from crm.chat_tokens import load_or_create_secret
from crm.settings import Settings
from stack.paths import APP_PYTHON, PROJECT_ROOT, VAR_DIR
from stack.processes import ManagedProcess

# The fake accepts any token that looks like one; this one is no secret and works nowhere else.
DEMO_TOKEN = "123456789:AAH-demo-token-for-the-local-fake-Bot-API"
FAKE_USERNAME = "demo_shop_bot"
OFFICIAL_API = "https://api.telegram.org"
WEBHOOK_SECRET_FILE = VAR_DIR / "telegram-webhook-secret"


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends with every update: TELEGRAM_WEBHOOK_SECRET, or one kept in var/."""
    return settings.telegram_webhook_secret or load_or_create_secret(WEBHOOK_SECRET_FILE)


def fake_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.fake_telegram_port}"


def with_telegram(settings: Settings) -> Settings:
    """The settings of this run: the configured bot, or the local fake when none is configured."""
    secret = webhook_secret(settings)
    if settings.telegram_bot_token:
        return replace(settings, telegram_webhook_secret=secret)
    return replace(
        settings,
        telegram_bot_token=DEMO_TOKEN,
        telegram_bot_username=FAKE_USERNAME,
        telegram_api_url=fake_url(settings),
        telegram_webhook_secret=secret,
    )


def uses_fake(settings: Settings) -> bool:
    return settings.telegram_bot_token == DEMO_TOKEN


def start_fake_telegram(
    settings: Settings, *, echo: bool = True, log_file: Path | None = None
) -> ManagedProcess:
    return ManagedProcess(
        "telegram",
        [str(APP_PYTHON), "-m", "fakes.telegram", "--port", str(settings.fake_telegram_port)],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        cwd=PROJECT_ROOT,
        echo=echo,
        log_file=log_file,
    )


def set_webhook(settings: Settings) -> str:
    """Tells the Bot API where to post updates, with the secret it must send; returns the URL."""
    if not settings.telegram_bot_token:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    api = (settings.telegram_api_url or OFFICIAL_API).rstrip("/")
    response = httpx.post(
        f"{api}/bot{settings.telegram_bot_token}/setWebhook",
        json={
            "url": settings.telegram_webhook,
            "secret_token": webhook_secret(settings),
            "allowed_updates": ["message", "callback_query"],
        },
        timeout=30,
    )
    body = response.json()
    if not body.get("ok"):
        raise RuntimeError(f"setWebhook failed: {body.get('description') or response.status_code}")
    return settings.telegram_webhook
