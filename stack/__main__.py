"""`python -m stack run`: the whole system on the embedded default, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

from sqlalchemy.engine import make_url

from crm.cli_errors import friendly_errors
from crm.settings import Settings, load_settings
from stack.environment import auth_token
from stack.paths import MODELS_DIR, PROJECT_ROOT, VAR_DIR
from stack.proactive import mailbox_url, uses_fake_mail
from stack.processes import ManagedProcess, ServerFailed, ensure_free
from stack.servers import (
    ACTION_SERVER_START_TIMEOUT,
    CONSOLE_START_TIMEOUT,
    NLU_SERVICE_START_TIMEOUT,
    start_action_server,
    start_console,
    start_nlu_service,
    start_system,
)
from stack.store import prepare_store
from stack.telegram import set_webhook, uses_fake, with_telegram
from stack.training import ensure_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, seed the demo if asked, train if needed, start every server")
    run.add_argument(
        "--demo",
        type=int,
        metavar="CUSTOMERS",
        default=0,
        help="seed this many demo customers into the embedded store when it is empty (make run: 2000)",
    )
    sub.add_parser("train", help="train the Rasa model if its inputs changed")
    sub.add_parser(
        "telegram-webhook",
        help="tell Telegram where to post updates (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_URL: the public URL)",
    )
    sub.add_parser(
        "services", help="only the NLU service and the action server, for plain `rasa shell/test/interactive`"
    )
    args = parser.parse_args(argv)

    settings = load_settings()
    with friendly_errors():
        if args.command == "train":
            ensure_model(PROJECT_ROOT / "config.yml", MODELS_DIR, "assistant")
            return 0
        if args.command == "services":
            return run_services(settings)
        if args.command == "telegram-webhook":
            print(f"[stack] Telegram posts updates to {set_webhook(with_telegram(settings))}", flush=True)
            return 0
        return run_system(settings, demo_customers=args.demo)
    return 2


def run_system(settings: Settings, *, demo_customers: int) -> int:
    prepare_store(settings.database_url, now=settings.now(), demo_customers=demo_customers)
    settings = with_telegram(settings)
    token = auth_token(settings)
    stop = threading.Event()
    processes: list[ManagedProcess] = []

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        print(f"\n[stack] {signal.Signals(signum).name} received, stopping ...", flush=True)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    def train() -> Path:
        return ensure_model(PROJECT_ROOT / "config.yml", MODELS_DIR, "assistant")

    try:
        start_system(settings, token, train, started=processes.append, channels=True, proactive=True)
        console_url = start_console_with_demo_staff(settings, token, processes, demo=demo_customers > 0)
        if stop.is_set():
            return 1
        print_banner(settings, token)
        print(f"  Support console: {console_url}/ (demo logins in var/console-demo-logins)\n", flush=True)
        while not stop.wait(1.0):
            dead = [process for process in processes if not process.running()]
            if dead:
                print(f"[stack] {dead[0].name} stopped unexpectedly:\n{dead[0].recent_output()}", flush=True)
                return 1
        return 0
    except ServerFailed as error:
        print(f"[stack] ERROR: {error}", file=sys.stderr, flush=True)
        return 1
    except subprocess.CalledProcessError as error:
        print(
            f"[stack] ERROR: training failed (exit code {error.returncode}); see the output above", flush=True
        )
        return 1
    finally:
        for process in reversed(processes):  # Rasa first, so no request reaches a stopped action server
            process.stop()
        print("[stack] all servers stopped", flush=True)


def start_console_with_demo_staff(
    settings: Settings, token: str, processes: list[ManagedProcess], *, demo: bool
) -> str:
    """Starts the staff console; with the demo, first creates its three accounts (once)."""
    from console.settings import load_console_settings
    from crm.db import make_engine
    from crm.demo.staff import seed_demo_staff
    from crm.uow import UnitOfWork

    port = load_console_settings().port
    ensure_free("console", "127.0.0.1", port)
    if demo:
        engine = make_engine(settings.database_url)
        created = seed_demo_staff(
            UnitOfWork.for_engine(engine), settings.now(), VAR_DIR / "console-demo-logins"
        )
        engine.dispose()
        if created:
            print("[store] demo console accounts (also in var/console-demo-logins):", flush=True)
            for email, password in created.items():
                print(f"          {email}  {password}", flush=True)
    console = start_console(settings, token, port)
    processes.append(console)
    console.wait_healthy(f"http://127.0.0.1:{port}/health", CONSOLE_START_TIMEOUT)
    return f"http://127.0.0.1:{port}"


def run_services(settings: Settings) -> int:
    """What plain `rasa` commands in the project root need (endpoints.yml points at these)."""
    prepare_store(settings.database_url, now=settings.now(), demo_customers=0)
    processes = [start_nlu_service(settings), start_action_server(settings)]
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        processes[0].wait_healthy(f"{settings.nlu_service_url}/health", NLU_SERVICE_START_TIMEOUT)
        processes[1].wait_healthy(
            f"http://127.0.0.1:{settings.action_port}/health", ACTION_SERVER_START_TIMEOUT
        )
        print(
            "\n  NLU service and action server are running (Ctrl-C stops them). In another terminal:\n"
            "    source .venv-rasa/bin/activate\n"
            "    rasa train | rasa shell | rasa interactive | rasa test | rasa data validate\n",
            flush=True,
        )
        while not stop.wait(1.0):
            if not all(process.running() for process in processes):
                return 1
        return 0
    except ServerFailed as error:
        print(f"[stack] ERROR: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        for process in reversed(processes):
            process.stop()


def print_banner(settings: Settings, token: str) -> None:
    rest = f"{settings.rasa_url}/webhooks/rest/webhook"
    store = make_url(settings.database_url).render_as_string(hide_password=True)
    bot = settings.telegram_bot_username or "?"
    telegram = (
        f"  Telegram (a local fake Bot API: play the customer here): {settings.telegram_api_url}/\n"
        if uses_fake(settings)
        else f"  Telegram bot: @{bot}, updates to {settings.telegram_webhook}\n"
    )
    mail = (
        f"  Email (a local fake mail server: the mailbox page): {mailbox_url(settings)}/\n"
        if uses_fake_mail(settings)
        else f"  Email through SMTP {settings.smtp_host}:{settings.smtp_port}\n"
    )
    print(
        "\n"
        "  The assistant is running. Ctrl-C stops everything.\n"
        f"  Demo shop with the chat widget: {settings.shop_url}/ (log in as any demo customer)\n"
        + telegram
        + mail
        + "  Proactive engine: the scheduler and a pump (`.venv/bin/python -m proactive outbox` counts)\n"
        + f"  Rasa server (channels, HTTP API): {settings.rasa_url}\n"
        f"  Rasa HTTP API token: {token[:4]}... (whole token in var/rasa-auth-token, or RASA_AUTH_TOKEN)\n"
        f"  Action server: http://127.0.0.1:{settings.action_port}/health\n"
        f"  NLU service: {settings.nlu_service_url}/health\n"
        f"  Customer store: {store}\n"
        "  Chat as demo customer C00001 (the token is what the shop's login hands out):\n"
        "    TOKEN=$(.venv/bin/python -m crm chat-token C00001)\n"
        f"    curl -s -XPOST {rest} -H 'Content-Type: application/json' \\\n"
        '         -d "{\\"sender\\": \\"me\\", \\"message\\": \\"where is my order?\\", \\"metadata\\": '
        '{\\"token\\": \\"$TOKEN\\"}}"\n',
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
