"""Starting the Rasa server and the action server with the project's configuration."""

from __future__ import annotations

from pathlib import Path

from crm.settings import Settings
from stack.environment import action_server_environment, rasa_environment
from stack.paths import APP_PYTHON, PROJECT_ROOT, RASA_BIN
from stack.processes import ManagedProcess

ACTION_SERVER_START_TIMEOUT = 60.0
RASA_START_TIMEOUT = 180.0  # loading TensorFlow and the model takes 20-45 s on 2 cores


def start_action_server(
    settings: Settings, *, echo: bool = True, log_file: Path | None = None
) -> ManagedProcess:
    process = ManagedProcess(
        "actions",
        [str(APP_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)],
        env=action_server_environment(settings),
        cwd=PROJECT_ROOT,
        echo=echo,
        log_file=log_file,
    )
    return process


def start_rasa_server(
    settings: Settings, model: Path, token: str, *, echo: bool = True, log_file: Path | None = None
) -> ManagedProcess:
    command = [
        str(RASA_BIN), "run",
        "--model", str(model),
        "--enable-api", "--auth-token", token,
        "--interface", settings.rasa_host,
        "--port", str(settings.rasa_port),
        "--credentials", str(PROJECT_ROOT / "credentials.yml"),
        "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
        "--cors", "*",
    ]  # fmt: skip
    return ManagedProcess(
        "rasa", command, env=rasa_environment(settings), cwd=PROJECT_ROOT, echo=echo, log_file=log_file
    )


def wait_until_serving(actions: ManagedProcess, rasa: ManagedProcess, settings: Settings) -> None:
    actions.wait_healthy(f"http://127.0.0.1:{settings.action_port}/health", ACTION_SERVER_START_TIMEOUT)
    rasa.wait_healthy(f"{settings.rasa_url}/", RASA_START_TIMEOUT)
