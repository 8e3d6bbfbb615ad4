"""The Rasa project is consistent: `rasa data validate` finds no errors."""

from __future__ import annotations

import subprocess

from stack.environment import rasa_environment
from stack.paths import PROJECT_ROOT, RASA_BIN

# Intents no customer types (buttons, Telegram's /start, a channel's own report, the proactive
# engine's EXTERNAL_ ones) have no NLU examples, and utter_default is only Rasa's own fallback:
# those warnings are expected.
NOT_TYPED = ("choose", "link_account", "channel_unreachable", "EXTERNAL_")
EXPECTED = ("utter_default' is not used",)


def test_rasa_data_validate_passes_without_unexpected_warnings() -> None:
    result = subprocess.run(
        [str(RASA_BIN), "data", "validate", "--domain", "domain.yml", "--data", "data"],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr

    assert result.returncode == 0, output[-3000:]
    warnings = [
        line
        for line in output.splitlines()
        if "UserWarning" in line
        and not any(f"intent '{name}" in line for name in NOT_TYPED)
        and not any(expected in line for expected in EXPECTED)
    ]
    assert warnings == []
