"""`python -m bot.serve [rasa run options]`: `rasa run` with its API token read from the environment.

`rasa run --auth-token T` would show the token to anyone who can list processes; this entry
point takes it from RASA_AUTH_TOKEN (and the allowed browser origins from SHOP_ORIGINS) and
hands them to Rasa's own command line inside the process.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from rasa.__main__ import main as rasa_main

    token = os.environ.pop("RASA_AUTH_TOKEN", "")
    if not token:
        sys.exit("bot.serve: set RASA_AUTH_TOKEN (the launcher does) to protect Rasa's HTTP API")
    # The erasure route (bot/erasure.py) checks callers against the same token, held in memory.
    from bot import erasure

    erasure.configure(token)
    origins = [o for o in os.environ.get("SHOP_ORIGINS", "").split(",") if o.strip()]
    # One --cors with every origin: argparse keeps only the last of repeated --cors flags.
    cors = ["--cors", *(origin.strip() for origin in origins)] if origins else []
    sys.argv = ["rasa", "run", *sys.argv[1:], "--enable-api", "--auth-token", token, *cors]
    rasa_main()


if __name__ == "__main__":
    main()
