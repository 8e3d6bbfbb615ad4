"""`python -m web [--port N]`: the demo storefront on 127.0.0.1 (SHOP_PORT, default 8000)."""

from __future__ import annotations

import argparse

import uvicorn

from crm.settings import load_settings
from web.app import create_app


def main() -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m web")
    parser.add_argument("--port", type=int, default=settings.shop_port)
    args = parser.parse_args()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
