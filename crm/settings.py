"""Settings, read once from the environment (cosmicpython style: plain functions, no globals)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


@dataclass(frozen=True)
class Settings:
    """Everything the CRM processes need to know about their surroundings."""

    database_url: str
    tracker_store_url: str
    rasa_host: str
    rasa_port: int
    action_port: int
    nlu_port: int
    rasa_auth_token: str | None
    # Signs the chat tokens that prove a logged-in customer (CHAT_TOKEN_SECRET, or var/).
    chat_token_secret: str | None = None
    # Browser origins allowed to call Rasa (the storefront): SHOP_ORIGINS, comma-separated.
    shop_origins: tuple[str, ...] = ("http://127.0.0.1:8000", "http://localhost:8000")
    # Tests and demos that need a fixed "now" (ISO 8601 with offset); None: the real clock.
    frozen_now: datetime | None = None
    # The demo storefront (web/): where it listens; its origin must be among shop_origins.
    shop_port: int = 8000
    # Telegram: the bot's token and username, the secret Telegram sends with every update, the
    # Bot API to call (None: Telegram's own), the public URL Telegram posts updates to (None: this
    # Rasa server's). Without a token `make run` starts a local fake Bot API in its place.
    telegram_bot_token: str | None = None
    telegram_bot_username: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    fake_telegram_port: int = 8081
    # Email, the third proactive channel: plain SMTP (the demo's local fake mail server by default),
    # the sender address, and the port of the fake's mailbox page.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: str = "Demo Shop <assistant@shop.example>"
    fake_mailbox_port: int = 8082

    def now(self) -> datetime:
        """The one clock every process reads "now" from."""
        return self.frozen_now or datetime.now(UTC)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def shop_url(self) -> str:
        return f"http://127.0.0.1:{self.shop_port}"

    @property
    def telegram_webhook(self) -> str:
        return self.telegram_webhook_url or f"{self.rasa_url}/webhooks/telegram/webhook"

    @property
    def action_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def nlu_service_url(self) -> str:
        return f"http://127.0.0.1:{self.nlu_port}"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Reads the settings from `environ` (default: the process environment).

    Defaults are the embedded setup: SQLite files under `var/`, servers on loopback.
    """
    env = os.environ if environ is None else environ
    return Settings(
        database_url=env.get("DATABASE_URL") or sqlite_url(VAR_DIR / "crm.db"),
        tracker_store_url=env.get("RASA_TRACKER_STORE_URL") or sqlite_url(VAR_DIR / "rasa-tracker.db"),
        rasa_host=env.get("RASA_HOST", "127.0.0.1"),
        rasa_port=int(env.get("RASA_PORT", "5005")),
        action_port=int(env.get("ACTION_PORT", "5055")),
        nlu_port=int(env.get("NLU_PORT", "5056")),
        # The launcher generates one into var/ when none is set (stack.environment.auth_token).
        rasa_auth_token=env.get("RASA_AUTH_TOKEN") or _read(VAR_DIR / "rasa-auth-token"),
        chat_token_secret=env.get("CHAT_TOKEN_SECRET") or _read(VAR_DIR / "chat-token-secret"),
        frozen_now=_aware(env.get("ASSISTANT_FROZEN_NOW")),
        shop_origins=tuple(
            o.strip() for o in (env.get("SHOP_ORIGINS") or _DEFAULT_ORIGINS).split(",") if o.strip()
        ),
        shop_port=int(env.get("SHOP_PORT", "8000")),
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME") or None,
        telegram_webhook_secret=(
            env.get("TELEGRAM_WEBHOOK_SECRET") or _read(VAR_DIR / "telegram-webhook-secret")
        ),
        telegram_api_url=env.get("TELEGRAM_API_URL") or None,
        telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
        fake_telegram_port=int(env.get("FAKE_TELEGRAM_PORT", "8081")),
        smtp_host=env.get("SMTP_HOST") or "127.0.0.1",
        smtp_port=int(env.get("SMTP_PORT", "8025")),
        mail_from=env.get("MAIL_FROM") or "Demo Shop <assistant@shop.example>",
        fake_mailbox_port=int(env.get("FAKE_MAILBOX_PORT", "8082")),
    )


_DEFAULT_ORIGINS = "http://127.0.0.1:8000,http://localhost:8000"


def _aware(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"ASSISTANT_FROZEN_NOW={value!r} needs a UTC offset")
    return moment


def _read(path: Path) -> str | None:
    """A secret kept in a file by the launcher; None when there is none yet."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
