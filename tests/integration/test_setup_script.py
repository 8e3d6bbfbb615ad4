"""The setup script's refusals: what a newcomer without Python 3.10 sees."""

from __future__ import annotations

import os
import subprocess

from crm.settings import PROJECT_ROOT


def test_missing_python_310_says_exactly_what_to_do() -> None:
    result = subprocess.run(
        ["bash", "scripts/setup.sh"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "RASA_PYTHON": "/nonexistent/python3.10"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 3
    assert "Python 3.10 is required and was not found (tried '/nonexistent/python3.10'" in result.stderr
    assert "pyenv install 3.10" in result.stderr
    assert "RASA_PYTHON=/path/to/python3.10" in result.stderr


def test_a_wrong_version_is_not_accepted_as_310() -> None:
    result = subprocess.run(
        ["bash", "scripts/setup.sh"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "RASA_PYTHON": "python3.11"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 3
    assert "which is Python 3.11" in result.stderr
