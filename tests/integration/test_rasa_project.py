"""The Rasa project is consistent: `rasa data validate` finds no errors."""

from __future__ import annotations

import subprocess

from stack.environment import rasa_environment
from stack.paths import PROJECT_ROOT, RASA_BIN

# Utterances sent by custom actions are unknown to Rasa's story checks; those warnings are expected.
EXPECTED_WARNING = "is not used in any story or rule"


def test_rasa_data_validate_passes_without_unexpected_warnings() -> None:
    result = subprocess.run(
        [str(RASA_BIN), "data", "validate", "--domain", "domain", "--data", "data"],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr

    assert result.returncode == 0, output[-3000:]
    warnings = [
        line for line in output.splitlines() if "UserWarning" in line and EXPECTED_WARNING not in line
    ]
    assert warnings == []
