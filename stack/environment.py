"""The environment variables each server process gets."""

from __future__ import annotations

import os
import secrets

from crm.settings import Settings
from stack.paths import AUTH_TOKEN_FILE, PROJECT_ROOT


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
        env.update(
            ACTION_ENDPOINT_URL=settings.action_endpoint_url,
            RASA_TRACKER_STORE_URL=settings.tracker_store_url,
            NLU_SERVICE_URL=settings.nlu_service_url,
        )
    return env


def action_server_environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        PYTHONPATH=str(PROJECT_ROOT),
        PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    return env


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
