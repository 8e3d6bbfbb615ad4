"""Replay conversation scenarios and print what the assistant understood, turn by turn.

    .venv/bin/python -m tests.support.transcript tests/scenarios/orders.yml [--name cancel] [--all]

Talks to the system `make run` started (REST channel, Rasa API token and chat-token secret from
var/, the store from DATABASE_URL): for each turn it prints the message, the recognised intent,
further requests, entities and the question left pending, then the replies. Without `--all`,
only scenarios that fail are printed in full.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crm.db import make_engine
from crm.settings import load_settings
from stack.environment import auth_token, chat_secret
from tests.support.live import LiveSystem
from tests.support.personas import Personas
from tests.support.scenarios import Player, load_scenarios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", type=Path, help="a scenario file or folder")
    parser.add_argument("--name", default="", help="only scenarios whose name contains this")
    parser.add_argument("--all", action="store_true", help="print passing scenarios too")
    args = parser.parse_args(argv)
    settings = load_settings()
    settings = type(settings)(**{**settings.__dict__, "chat_token_secret": chat_secret(settings)})
    system = LiveSystem(settings, auth_token(settings), Path("var"))
    store = make_engine(settings.database_url)
    player = Player(system, store, Personas(store, settings.now()))
    folder = args.path if args.path.is_dir() else args.path.parent
    chosen = [
        s
        for s in load_scenarios(folder)
        if args.name in s.name and (args.path.is_dir() or s.source == args.path.name)
    ]
    failed = 0
    for scenario in chosen:
        outcome = player.play(scenario)
        failed += not outcome.passed
        if args.all or not outcome.passed:
            print(outcome.report(), end="\n\n")
    print(f"{len(chosen) - failed} of {len(chosen)} scenarios passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
