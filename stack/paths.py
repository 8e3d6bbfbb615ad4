"""Where things live in a checkout."""

from __future__ import annotations

from crm.settings import PROJECT_ROOT, VAR_DIR

RASA_VENV = PROJECT_ROOT / ".venv-rasa"
APP_VENV = PROJECT_ROOT / ".venv"
RASA_BIN = RASA_VENV / "bin" / "rasa"
RASA_PYTHON = RASA_VENV / "bin" / "python"
APP_PYTHON = APP_VENV / "bin" / "python"
MODELS_DIR = PROJECT_ROOT / "models"
AUTH_TOKEN_FILE = VAR_DIR / "rasa-auth-token"
CHAT_SECRET_FILE = VAR_DIR / "chat-token-secret"

__all__ = [
    "APP_PYTHON",
    "AUTH_TOKEN_FILE",
    "CHAT_SECRET_FILE",
    "MODELS_DIR",
    "PROJECT_ROOT",
    "RASA_BIN",
    "RASA_PYTHON",
    "VAR_DIR",
]
