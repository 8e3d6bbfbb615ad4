"""Local stand-ins for outside services (Telegram's Bot API), for tests and the demo."""
