"""`python -m stack run`: the whole system on the embedded default, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from types import FrameType

from crm.cli_errors import friendly_errors
from crm.settings import Settings, load_settings
from stack.environment import auth_token
from stack.paths import MODELS_DIR, PROJECT_ROOT
from stack.processes import ManagedProcess, ServerFailed
from stack.servers import start_action_server, start_nlu_service, start_rasa_server, wait_until_serving
from stack.store import prepare_store
from stack.training import ensure_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, seed, train if needed, start every server")
    run.add_argument("--customers", type=int, default=2000, help="demo customers to seed into an empty store")
    sub.add_parser("train", help="train the Rasa model if its inputs changed")
    args = parser.parse_args(argv)

    settings = load_settings()
    with friendly_errors():
        if args.command == "train":
            ensure_model(PROJECT_ROOT / "config.yml", MODELS_DIR, "assistant")
            return 0
        return run_system(settings, demo_customers=args.customers)
    return 2


def run_system(settings: Settings, *, demo_customers: int) -> int:
    prepare_store(settings.database_url, now=datetime.now(UTC), demo_customers=demo_customers)
    token = auth_token(settings)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        print(f"\n[stack] {signal.Signals(signum).name} received, stopping ...", flush=True)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    processes: list[ManagedProcess] = []
    try:
        # The NLU service trains its classifier while Rasa trains the dialogue model.
        nlu = start_nlu_service(settings)
        processes.append(nlu)
        model = ensure_model(PROJECT_ROOT / "config.yml", MODELS_DIR, "assistant")
        if stop.is_set():
            return 1
        actions = start_action_server(settings)
        processes.append(actions)
        rasa = start_rasa_server(settings, model, token)
        processes.append(rasa)
        wait_until_serving(nlu, actions, rasa, settings)
        print_banner(settings, token)
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


def print_banner(settings: Settings, token: str) -> None:
    rest = f"{settings.rasa_url}/webhooks/rest/webhook"
    print(
        "\n"
        "  The assistant is running. Ctrl-C stops everything.\n"
        f"  Rasa server (REST + socket.io channels, HTTP API): {settings.rasa_url}\n"
        f"  Rasa HTTP API token (var/rasa-auth-token or RASA_AUTH_TOKEN): {token}\n"
        f"  Action server: http://127.0.0.1:{settings.action_port}/health\n"
        f"  NLU service: {settings.nlu_service_url}/health\n"
        f"  Customer store: {settings.database_url}\n"
        "  Try, as demo customer C00001:\n"
        f"    curl -s -XPOST {rest} -H 'Content-Type: application/json' \\\n"
        '         -d \'{"sender": "web-C00001", "message": "where is my order?"}\'\n',
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
