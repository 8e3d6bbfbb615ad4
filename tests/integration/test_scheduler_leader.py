"""Two scheduler processes: one leads, the other waits; kill -9 the leader and the other takes over.

On PostgreSQL the lead is a session advisory lock; on SQLite a lock file (`flock`).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stack.paths import PROJECT_ROOT


class Scheduler:
    def __init__(self, database_url: str, log: Path) -> None:
        self.log = log
        self._out = log.open("w", encoding="utf-8")
        env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "proactive", "scheduler", "--poll-seconds", "0.3"],
            cwd=PROJECT_ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def leads(self) -> bool:
        return re.search(rf"scheduler: leading \({self.process.pid}\)", self.log.read_text()) is not None

    def wait_leading(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.leads():
                return True
            if self.process.poll() is not None:
                raise AssertionError(f"scheduler exited {self.process.returncode}:\n{self.log.read_text()}")
            time.sleep(0.2)
        return False

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self._out.close()
        return code


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        request.getfixturevalue("store")
        url: str = request.getfixturevalue("sqlite_url")
    else:
        request.getfixturevalue("postgres_store")
        url = request.getfixturevalue("postgres_url")
    return url


def test_the_second_scheduler_waits_and_takes_over_when_the_leader_is_killed(
    database: str, tmp_path: Path
) -> None:
    first = Scheduler(database, tmp_path / "first.log")
    assert first.wait_leading(60), first.log.read_text()
    second = Scheduler(database, tmp_path / "second.log")
    try:
        assert not second.wait_leading(4)  # one leader at a time

        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
        assert second.wait_leading(30), second.log.read_text()
    finally:
        first.stop()
        assert second.stop() == 0, second.log.read_text()
