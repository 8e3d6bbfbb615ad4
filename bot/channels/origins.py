"""The browser origins of the shop (SHOP_ORIGINS), the only pages that may open the chat."""

from __future__ import annotations

import os

DEFAULT_ORIGINS = "http://127.0.0.1:8000,http://localhost:8000"


def allowed_origins() -> frozenset[str]:
    raw = os.environ.get("SHOP_ORIGINS") or DEFAULT_ORIGINS
    return frozenset(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())
