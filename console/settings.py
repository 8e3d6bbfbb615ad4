"""The console's own settings, read once from the environment (store and Rasa: `crm.settings`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from crm.chat_tokens import load_or_create_secret
from crm.settings import VAR_DIR

# Generated once into var/ (mode 0600) unless SUPPRESSION_SECRET is set: the key of the hashes
# under which an erased customer's audit trail, consent history and suppressions are kept.
SUPPRESSION_SECRET_FILE = VAR_DIR / "suppression-secret"
DEFAULT_PORT = 8090
DEFAULT_UNANSWERED_MINUTES = 10


@dataclass(frozen=True)
class ConsoleSettings:
    port: int = DEFAULT_PORT
    # Set when the console is served over https (behind a TLS proxy): cookies get `Secure`.
    https: bool = False
    suppression_secret: str = ""
    # A waiting chat nobody took within this long gets the honest word (and a call back offer).
    unanswered_after: timedelta = timedelta(minutes=DEFAULT_UNANSWERED_MINUTES)


def load_console_settings(environ: Mapping[str, str] | None = None) -> ConsoleSettings:
    env = os.environ if environ is None else environ
    return ConsoleSettings(
        port=int(env.get("CONSOLE_PORT") or DEFAULT_PORT),
        https=(env.get("CONSOLE_HTTPS") or "").lower() in ("1", "true", "yes"),
        suppression_secret=env.get("SUPPRESSION_SECRET") or load_or_create_secret(SUPPRESSION_SECRET_FILE),
        unanswered_after=timedelta(
            minutes=int(env.get("HANDOFF_UNANSWERED_MINUTES") or DEFAULT_UNANSWERED_MINUTES)
        ),
    )
