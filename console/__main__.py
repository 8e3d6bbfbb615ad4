"""`python -m console [--port N]`: the support console on 127.0.0.1 (CONSOLE_PORT, default 8090)."""

from __future__ import annotations

import argparse

import uvicorn

from console.app import create_app
from console.settings import load_console_settings
from crm.settings import load_settings


def main() -> None:
    settings, console_settings = load_settings(), load_console_settings()
    parser = argparse.ArgumentParser(prog="python -m console")
    parser.add_argument("--port", type=int, default=console_settings.port)
    args = parser.parse_args()
    app = create_app(settings, console_settings)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", proxy_headers=False)


if __name__ == "__main__":
    main()
