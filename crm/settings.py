"""Settings, read once from the environment (cosmicpython style: plain functions, no globals)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
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

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

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
        rasa_auth_token=env.get("RASA_AUTH_TOKEN") or None,
    )
