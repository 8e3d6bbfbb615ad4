"""Starting the NLU service, the action server and the Rasa server with the project's configuration.

`start_system` is the one way to bring the three up together: the launcher, the end-to-end
tests and the latency benchmark all use it. With `channels=True` it also starts what the
channels need: the demo storefront (web/) and, when no real bot is configured, the local fake
Telegram Bot API, whose webhook it sets once Rasa answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from crm.settings import Settings
from stack.environment import (
    action_server_environment,
    nlu_service_environment,
    rasa_server_environment,
    storefront_environment,
    write_endpoints,
)
from stack.paths import APP_PYTHON, PROJECT_ROOT, RASA_PYTHON
from stack.proactive import (
    mailbox_url,
    start_fake_mail,
    start_pump,
    start_scheduler,
    uses_fake_mail,
)
from stack.processes import ManagedProcess, ensure_free
from stack.telegram import fake_url, set_webhook, start_fake_telegram, uses_fake

ACTION_SERVER_START_TIMEOUT = 60.0
# A fresh checkout embeds every training example once (about a minute on 2 cores); later
# starts load the stored classifier in seconds.
NLU_SERVICE_START_TIMEOUT = 600.0
RASA_START_TIMEOUT = 180.0  # loading TensorFlow and the model takes 20-45 s on 2 cores
STOREFRONT_START_TIMEOUT = 60.0
FAKE_TELEGRAM_START_TIMEOUT = 60.0
FAKE_MAIL_START_TIMEOUT = 60.0
CONSOLE_START_TIMEOUT = 60.0


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
    # The token goes through the environment: a command line is visible to every local user.
    command = [
        str(RASA_PYTHON), "-m", "bot.serve",
        "--model", str(model),
        "--interface", settings.rasa_host,
        "--port", str(settings.rasa_port),
        "--credentials", str(PROJECT_ROOT / "credentials.yml"),
        "--endpoints", str(write_endpoints(settings)),
    ]  # fmt: skip
    env = rasa_server_environment(settings, token)
    return ManagedProcess("rasa", command, env=env, cwd=PROJECT_ROOT, echo=echo, log_file=log_file)


def start_storefront(
    settings: Settings, *, echo: bool = True, log_file: Path | None = None
) -> ManagedProcess:
    return ManagedProcess(
        "shop",
        [str(APP_PYTHON), "-m", "web", "--port", str(settings.shop_port)],
        env=storefront_environment(settings),
        cwd=PROJECT_ROOT,
        echo=echo,
        log_file=log_file,
    )


def start_console(
    settings: Settings,
    token: str,
    port: int,
    *,
    echo: bool = True,
    log_file: Path | None = None,
    environment: Mapping[str, str] | None = None,
) -> ManagedProcess:
    """The staff console (console/): it needs the store and Rasa's HTTP API, whose token goes in
    the environment, never on the command line; `environment` adds its own settings (console/settings.py)."""
    env = {
        **storefront_environment(settings),
        **(environment or {}),
        "RASA_AUTH_TOKEN": token,
        "CONSOLE_PORT": str(port),
    }
    return ManagedProcess(
        "console", [str(APP_PYTHON), "-m", "console", "--port", str(port)], env=env, cwd=PROJECT_ROOT,
        echo=echo, log_file=log_file,
    )  # fmt: skip


def wait_until_serving(
    nlu: ManagedProcess, actions: ManagedProcess, rasa: ManagedProcess, settings: Settings
) -> None:
    nlu.wait_healthy(f"{settings.nlu_service_url}/health", NLU_SERVICE_START_TIMEOUT)
    actions.wait_healthy(f"http://127.0.0.1:{settings.action_port}/health", ACTION_SERVER_START_TIMEOUT)
    rasa.wait_healthy(f"{settings.rasa_url}/", RASA_START_TIMEOUT)


@dataclass
class RunningSystem:
    nlu: ManagedProcess
    actions: ManagedProcess
    rasa: ManagedProcess
    # Started with channels=True: the storefront, and the fake Telegram when no bot is configured.
    shop: ManagedProcess | None = None
    telegram: ManagedProcess | None = None
    # Started with proactive=True: the fake mail server (unless SMTP_HOST names a real one),
    # the scheduler and one pump.
    mail: ManagedProcess | None = None
    scheduler: ManagedProcess | None = None
    pump: ManagedProcess | None = None

    @property
    def processes(self) -> list[ManagedProcess]:
        """In start order; `stop` goes backwards (the pump first, the fake Telegram last)."""
        started = [
            self.telegram, self.mail, self.nlu, self.actions, self.rasa, self.shop, self.scheduler, self.pump,
        ]  # fmt: skip
        return [process for process in started if process is not None]

    def stop(self) -> None:
        # Rasa first, so no request reaches a stopped action server.
        for process in reversed(self.processes):
            process.stop()


def start_system(
    settings: Settings,
    token: str,
    model: Callable[[], Path],
    *,
    echo: bool = True,
    log_dir: Path | None = None,
    started: Callable[[ManagedProcess], None] | None = None,
    channels: bool = False,
    proactive: bool = False,
) -> RunningSystem:
    """Starts the three servers and waits until each answers; stops what started if one fails.

    `model` is called after the NLU service has started, so Rasa trains while the service
    trains its classifier. `started` hears of each process as soon as it exists (the launcher
    uses it to stop them on Ctrl-C during a long first start). With `proactive=True` it also
    starts the proactive engine: the fake mail server, the scheduler and one pump.
    """

    def log(name: str) -> Path | None:
        return log_dir / f"{name}.log" if log_dir else None

    for name, host, port in addresses(settings, channels=channels, proactive=proactive):
        ensure_free(name, host, port)
    begun: list[ManagedProcess] = []

    def track(process: ManagedProcess) -> ManagedProcess:
        begun.append(process)
        if started:
            started(process)
        return process

    try:
        fake = None
        if channels and uses_fake(settings):  # first: Rasa's Telegram channel calls it
            fake = track(start_fake_telegram(settings, echo=echo, log_file=log("telegram")))
        nlu = track(start_nlu_service(settings, echo=echo, log_file=log("nlu")))
        model_path = model()
        actions = track(start_action_server(settings, echo=echo, log_file=log("actions")))
        rasa = track(start_rasa_server(settings, model_path, token, echo=echo, log_file=log("rasa")))
        wait_until_serving(nlu, actions, rasa, settings)
        shop = None
        if channels:
            if fake is not None:
                fake.wait_healthy(f"{fake_url(settings)}/fake/webhook", FAKE_TELEGRAM_START_TIMEOUT)
            if settings.telegram_bot_token and (fake is not None or settings.telegram_webhook_url):
                set_webhook(settings)
            shop = track(start_storefront(settings, echo=echo, log_file=log("shop")))
            shop.wait_healthy(f"{settings.shop_url}/health", STOREFRONT_START_TIMEOUT)
        mail = scheduler = pump = None
        if proactive:
            if uses_fake_mail(settings):
                mail = track(start_fake_mail(settings, echo=echo, log_file=log("mail")))
                mail.wait_healthy(f"{mailbox_url(settings)}/fake/mails", FAKE_MAIL_START_TIMEOUT)
            scheduler = track(start_scheduler(settings, token, echo=echo, log_file=log("scheduler")))
            pump = track(start_pump(settings, token, echo=echo, log_file=log("pump")))
    except BaseException:
        for process in reversed(begun):
            process.stop()
        raise
    return RunningSystem(nlu, actions, rasa, shop, fake, mail, scheduler, pump)


def addresses(settings: Settings, *, channels: bool, proactive: bool) -> list[tuple[str, str, int]]:
    """(name, host, port) of every server this start would open: each must be free first."""
    loopback = "127.0.0.1"
    found = [
        ("NLU service", loopback, settings.nlu_port),
        ("action server", loopback, settings.action_port),
        ("Rasa server", settings.rasa_host, settings.rasa_port),
    ]
    if channels:
        found.append(("storefront", loopback, settings.shop_port))
        if uses_fake(settings):
            found.append(("fake Telegram", loopback, settings.fake_telegram_port))
    if proactive and uses_fake_mail(settings):
        found.append(("fake mail server (SMTP)", loopback, settings.smtp_port))
        found.append(("fake mailbox page", loopback, settings.fake_mailbox_port))
    return found
