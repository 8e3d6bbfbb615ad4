"""In CI a browser or PostgreSQL test that cannot run is a failure, not a skip."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def unavailable(reason: str) -> NoReturn:
    """Skips locally; fails in CI (CI=true), where a skipped browser or database test hides a gap."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this test must run, so not running it fails)", pytrace=False)
    pytest.skip(reason)
