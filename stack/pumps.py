"""`python -m proactive pump` as a process of its own: for the tests and the delivery bench."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from stack.paths import PROJECT_ROOT


class PumpProcess:
    """One pump, started the way the launcher starts it, its output in `log`."""

    def __init__(
        self,
        env: Mapping[str, str],
        log: Path,
        *,
        gate: str | None,
        crash_at: str | None = None,
        batch: int = 4,
        lease_seconds: float = 3.0,
        owner: str | None = None,
        backoff_seconds: float = 1.0,
        frozen_now: datetime | None = None,
        profile: Path | None = None,
    ) -> None:
        """`gate=None` runs the policy's own gate, else `module:function`; `frozen_now` freezes the
        pump's clock (no lease then ever runs out: only for runs without crashes); `profile` runs
        it under cProfile, the statistics written there when it stops."""
        environment = {**os.environ, **env, "PYTHONPATH": str(PROJECT_ROOT)}
        environment.pop("PROACTIVE_CRASH_AT", None)
        environment.pop("ASSISTANT_FROZEN_NOW", None)  # leases run on the real clock
        if frozen_now is not None:
            environment["ASSISTANT_FROZEN_NOW"] = frozen_now.isoformat()
        if crash_at:
            environment["PROACTIVE_CRASH_AT"] = crash_at
        profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
        command = [
            sys.executable, *profiler, "-m", "proactive", "pump", "--batch", str(batch),
            "--lease-seconds", str(lease_seconds), "--idle-seconds", "0.2",
            "--backoff-seconds", str(backoff_seconds),
        ]  # fmt: skip
        if owner:
            command += ["--owner", owner]
        if gate is not None:
            command += ["--gate", gate]
        self.log = log
        self._out = log.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=self._out, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float = 60.0) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._out.flush()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as the launcher stops it; the pump finishes the message in hand and exits 0."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self._out.close()

    def output(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.log.read_text(encoding="utf-8")


def killed(returncode: int) -> bool:
    return returncode == -signal.SIGKILL
