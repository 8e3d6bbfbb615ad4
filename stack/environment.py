"""The environment variables each server process gets."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import yaml

from crm.chat_tokens import load_or_create_secret
from crm.settings import Settings
from stack.paths import AUTH_TOKEN_FILE, CHAT_SECRET_FILE, PROJECT_ROOT, VAR_DIR


def rasa_environment(settings: Settings | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        # `bot/` (custom NLU components and channels) is imported by module path.
        PYTHONPATH=str(PROJECT_ROOT),
        RASA_TELEMETRY_ENABLED="false",
        # One TensorFlow thread: the NLU service and the action server share the same cores, and
        # TF's default of one thread per core made the three processes compete (measured).
        TF_INTRA_OP_PARALLELISM_THREADS="1",
        TF_INTER_OP_PARALLELISM_THREADS="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        # Rasa prints a wall of deprecation warnings from its pinned libraries otherwise.
        PYTHONWARNINGS="ignore",
    )
    if settings is not None:
        env.update(NLU_SERVICE_URL=settings.nlu_service_url)
    return env


# Rasa's SQL tracker store, off the event loop and with SQLite in WAL mode (bot/tracker_store.py).
TRACKER_STORE = "bot.tracker_store.ConversationStore"


def rasa_server_environment(settings: Settings, token: str) -> dict[str, str]:
    """The Rasa server's: its API token, the shop's origins, and what its channels verify with."""
    env = {
        **rasa_environment(settings),
        "RASA_AUTH_TOKEN": token,
        "SHOP_ORIGINS": ",".join(settings.shop_origins),
        # The socket.io channel checks the storefront's chat token when a socket connects.
        "CHAT_TOKEN_SECRET": chat_secret(settings),
    }
    if settings.frozen_now is not None:
        env["ASSISTANT_FROZEN_NOW"] = settings.frozen_now.isoformat()
    if settings.telegram_bot_token:
        env.update(
            TELEGRAM_BOT_TOKEN=settings.telegram_bot_token,
            TELEGRAM_WEBHOOK_SECRET=settings.telegram_webhook_secret or "",
            TELEGRAM_API_URL=settings.telegram_api_url or "",
        )
    return env


def write_endpoints(settings: Settings) -> Path:
    """var/endpoints-<Rasa port>.yml for this run: the action server and the conversation store in use.

    A file rather than variables: Rasa's endpoints file cannot fall back to defaults, and the
    store URL may hold a password, so the file is readable by its owner only. One file per Rasa
    port: two systems started at once in one checkout (a bench beside the tests) must not swap
    each other's action servers.
    """
    path = VAR_DIR / f"endpoints-{settings.rasa_port}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(
        {
            "action_endpoint": {"url": settings.action_endpoint_url},
            "tracker_store": {"type": TRACKER_STORE, "url": settings.tracker_store_url},
        },
        sort_keys=False,
    )
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text("# Written by the launcher for this run; see endpoints.yml.\n" + text)
    return path


def action_server_environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        CHAT_TOKEN_SECRET=chat_secret(settings),
        # rasa-sdk listens on every interface unless told otherwise.
        SANIC_HOST="127.0.0.1",
        PYTHONPATH=str(PROJECT_ROOT),
        # rasa-sdk 3.21 warns on every call from Rasa 3.6 that the versions differ; the pairing is
        # deliberate (ARCHITECTURE.md) and checked by the end-to-end tests.
        PYTHONWARNINGS="ignore::DeprecationWarning,ignore:Your versions of rasa and rasa_sdk",
    )
    if settings.frozen_now is not None:
        env["ASSISTANT_FROZEN_NOW"] = settings.frozen_now.isoformat()
    return env


def storefront_environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        CHAT_TOKEN_SECRET=chat_secret(settings),
        RASA_HOST=settings.rasa_host,
        RASA_PORT=str(settings.rasa_port),
        SHOP_PORT=str(settings.shop_port),
        TELEGRAM_BOT_USERNAME=settings.telegram_bot_username or "",
        TELEGRAM_API_URL=settings.telegram_api_url or "",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    if settings.frozen_now is not None:
        env["ASSISTANT_FROZEN_NOW"] = settings.frozen_now.isoformat()
    return env


def chat_secret(settings: Settings) -> str:
    """The secret that signs chat tokens: CHAT_TOKEN_SECRET, or one generated once into var/."""
    return settings.chat_token_secret or load_or_create_secret(CHAT_SECRET_FILE)


def nlu_service_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(PROJECT_ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1"
    )
    return env


def auth_token(settings: Settings) -> str:
    """The token for Rasa's HTTP API: RASA_AUTH_TOKEN, or one generated once and kept in var/."""
    if settings.rasa_auth_token:
        return settings.rasa_auth_token
    if AUTH_TOKEN_FILE.exists():
        return AUTH_TOKEN_FILE.read_text().strip()
    AUTH_TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    AUTH_TOKEN_FILE.write_text(token)
    AUTH_TOKEN_FILE.chmod(0o600)
    return token
