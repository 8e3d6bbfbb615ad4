"""Starting the Rasa server and the action server with the project's configuration."""

from __future__ import annotations

from pathlib import Path

from crm.settings import Settings
from stack.environment import action_server_environment, nlu_service_environment, rasa_environment
from stack.paths import APP_PYTHON, PROJECT_ROOT, RASA_BIN
from stack.processes import ManagedProcess

ACTION_SERVER_START_TIMEOUT = 60.0
# A fresh checkout embeds every training example once (about a minute on 2 cores); later
# starts load the stored classifier in seconds.
NLU_SERVICE_START_TIMEOUT = 600.0
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


def start_nlu_service(
    settings: Settings, *, echo: bool = True, log_file: Path | None = None
) -> ManagedProcess:
    return ManagedProcess(
        "nlu",
        [str(APP_PYTHON), "-m", "nlu.service", "--port", str(settings.nlu_port)],
        env=nlu_service_environment(),
        cwd=PROJECT_ROOT,
        echo=echo,
        log_file=log_file,
    )


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


def wait_until_serving(
    nlu: ManagedProcess, actions: ManagedProcess, rasa: ManagedProcess, settings: Settings
) -> None:
    nlu.wait_healthy(f"{settings.nlu_service_url}/health", NLU_SERVICE_START_TIMEOUT)
    actions.wait_healthy(f"http://127.0.0.1:{settings.action_port}/health", ACTION_SERVER_START_TIMEOUT)
    rasa.wait_healthy(f"{settings.rasa_url}/", RASA_START_TIMEOUT)
