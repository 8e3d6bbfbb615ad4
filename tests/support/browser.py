"""Debian's headless Chromium for the browser tests, launched the way this machine kind needs.

Without the background-networking flags Chromium keeps trying to reach Google's hosts, which this
closed network refuses; `--disable-dev-shm-usage` keeps a small /dev/shm from stalling the renderer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from tests.support.ci import unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
LAUNCH_TIMEOUT_MS = 60_000


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium; skips locally and fails in CI when Debian's chromium is missing."""
    if not CHROMIUM.is_file():
        unavailable(f"no Chromium at {CHROMIUM} (make setup installs Debian's chromium as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()
