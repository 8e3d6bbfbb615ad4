"""The console's own settings, read once from the environment (store and Rasa: `crm.settings`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from crm.services.data_rights import load_suppression_secret
from outcomes.store import outcomes_url

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
    # The outcome log (outcomes/): the trigger pages show results against holdout and control
    # from it. None: no results section.
    outcomes_url: str | None = None


def load_console_settings(environ: Mapping[str, str] | None = None) -> ConsoleSettings:
    env = os.environ if environ is None else environ
    return ConsoleSettings(
        port=int(env.get("CONSOLE_PORT") or DEFAULT_PORT),
        https=(env.get("CONSOLE_HTTPS") or "").lower() in ("1", "true", "yes"),
        suppression_secret=load_suppression_secret(env),
        outcomes_url=outcomes_url(env),
        unanswered_after=unanswered_after(env),
    )


def unanswered_after(environ: Mapping[str, str] | None = None) -> timedelta:
    """HANDOFF_UNANSWERED_MINUTES: how long a chat may wait for a person before the honest word
    (read alone too: the engine's scheduler runs the no-silence job and needs nothing else here)."""
    env = os.environ if environ is None else environ
    text = (env.get("HANDOFF_UNANSWERED_MINUTES") or "").strip()
    try:
        minutes = int(text) if text else DEFAULT_UNANSWERED_MINUTES
    except ValueError:
        raise ValueError(f"HANDOFF_UNANSWERED_MINUTES : a whole number of minutes, not {text!r}") from None
    if minutes < 1:
        raise ValueError("HANDOFF_UNANSWERED_MINUTES must be at least 1")
    return timedelta(minutes=minutes)
