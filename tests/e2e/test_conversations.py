"""The conversation tests (tests/conversations/test_*.yml) against the trained model and the live NLU.

`--e2e` makes Rasa classify each test message with the real pipeline (through the NLU service),
so a story fails when the message is understood wrongly, not only when the dialogue goes wrong.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from stack.environment import rasa_environment
from stack.paths import PROJECT_ROOT, RASA_BIN
from tests.support.live import LiveSystem

pytestmark = pytest.mark.e2e


def test_every_conversation_story_passes(system: LiveSystem, ci_model: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(RASA_BIN),
            "test",
            "core",
            "--e2e",
            "--model",
            str(ci_model),
            "--stories",
            str(PROJECT_ROOT / "tests" / "conversations"),
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        env=rasa_environment(system.settings),
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr

    story_lines = [line for line in output.splitlines() if "Warning" not in line and "Processed" not in line]
    assert result.returncode == 0, "\n".join(story_lines)[-4000:]
    assert "Correct:" in output
