"""Child server processes: started in their own process group, logs prefixed, stopped cleanly."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import IO

_PYTHON_WARNING = re.compile(r"^(?:\x1b\[\d+m)?\S+\.py:\d+: \w*Warning: ")
# Lines some of those warnings add without indenting them, and Rasa's component boilerplate.
_NOISE = re.compile(
    r"^(?:Implementing implicit namespace packages|\s*More info at https://rasa\.com/docs/rasa/components|"
    r"Processed (?:story blocks|rules|trackers|actions)|\s*declare_namespace)"
)


class WarningFilter:
    """Hides Python warnings (and the source line printed under each) from the terminal echo.

    Rasa 3.6 and its 2022-era pins print dozens of deprecation warnings at every start, which
    bury the lines that matter; the log file still receives everything.
    """

    def __init__(self) -> None:
        self._in_warning = False

    def hides(self, line: str) -> bool:
        if _PYTHON_WARNING.match(line):
            self._in_warning = True
            return True
        if _NOISE.match(line):
            return True
        if self._in_warning and line.startswith(" "):
            return True
        self._in_warning = False
        return False


def run_quietly(command: Sequence[str], *, cwd: Path, env: dict[str, str], prefix: str) -> None:
    """Runs a command to completion, echoing its output without third-party warnings.

    Raises `subprocess.CalledProcessError` (with the last lines of output) when it fails.
    """
    warnings = WarningFilter()
    tail: deque[str] = deque(maxlen=40)
    with subprocess.Popen(
        list(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            tail.append(line.rstrip())
            if not warnings.hides(line) and line.strip():
                sys.stdout.write(f"[{prefix}] {line}")
                sys.stdout.flush()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, list(command), output="\n".join(tail))


class ServerFailed(RuntimeError):
    """A server exited or did not become healthy in time; the message carries its last log lines."""


def ensure_free(name: str, host: str, port: int) -> None:
    """Raises `ServerFailed` when something already listens on host:port.

    Otherwise a server left over from an earlier run (killed before it could stop its children)
    would answer the health check in place of the new one, which dies on "address in use".
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        if probe.connect_ex((host, port)) == 0:
            raise ServerFailed(
                f"{name}: port {port} on {host} is already in use, probably by a server of an earlier "
                f"run; stop it (`ss -ltnp 'sport = :{port}'` shows which process) or choose another port"
            )


class ManagedProcess:
    """One server process whose output is echoed with a `[name]` prefix and kept for errors."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: dict[str, str],
        cwd: Path,
        echo: bool = True,
        log_file: Path | None = None,
    ) -> None:
        self.name = name
        self._tail: deque[str] = deque(maxlen=40)
        self._echo = echo
        self._log = log_file.open("a", encoding="utf-8") if log_file else None
        # A new session: Ctrl-C in the terminal reaches only the launcher, which then stops
        # the children in order instead of all of them dying mid-request at once.
        self._process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        assert self._process.stdout is not None
        self._reader = threading.Thread(target=self._pump, args=(self._process.stdout,), daemon=True)
        self._reader.start()

    def _pump(self, stream: IO[str]) -> None:
        warnings = WarningFilter()
        for line in stream:
            self._tail.append(line.rstrip())
            if self._log:
                self._log.write(line)
                self._log.flush()
            if self._echo and not warnings.hides(line):
                sys.stdout.write(f"[{self.name}] {line}")
                sys.stdout.flush()

    @property
    def pid(self) -> int:
        return self._process.pid

    def running(self) -> bool:
        return self._process.poll() is None

    def recent_output(self) -> str:
        return "\n".join(self._tail)

    def wait_healthy(self, url: str, timeout: float) -> None:
        """Polls `url` until it answers 200; raises `ServerFailed` if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise ServerFailed(
                    f"{self.name} exited with code {self._process.returncode}:\n{self.recent_output()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise ServerFailed(
            f"{self.name} did not answer {url} within {timeout:.0f} s:\n{self.recent_output()}"
        )

    def stop(self, grace: float = 15.0) -> int:
        """SIGTERM to the process group, SIGKILL after `grace` seconds; returns the exit code."""
        if self.running():
            self._signal(signal.SIGTERM)
            try:
                self._process.wait(grace)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self._process.wait()
        self._reader.join(timeout=2)
        if self._log:
            self._log.close()
        return self._process.returncode

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self._process.pid, signum)
