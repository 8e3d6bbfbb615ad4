"""The few calls of Rasa's HTTP API that outreach needs, with the API token from the environment."""

from __future__ import annotations

from typing import Any

import httpx


class RasaApiError(RuntimeError):
    """Rasa answered with an error (or not at all); the message carries Rasa's own words."""


class RasaApi:
    def __init__(self, base_url: str, token: str, *, timeout: float = 60.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        params = {"token": self._token, **kwargs.pop("params", {})}
        try:
            response = httpx.request(
                method, f"{self._base}{path}", params=params, timeout=self._timeout, **kwargs
            )
        except httpx.HTTPError as error:
            raise RasaApiError(f"Rasa unreachable: {error}") from error
        if response.status_code >= 400:
            try:
                message = response.json().get("message") or response.text
            except ValueError:
                message = response.text
            raise RasaApiError(f"Rasa answered {response.status_code}: {message}")
        body: dict[str, Any] = response.json()
        return body

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        return self._call("GET", f"/conversations/{conversation_id}/tracker")

    def trigger_intent(
        self, conversation_id: str, intent: str, entities: dict[str, Any], output_channel: str
    ) -> dict[str, Any]:
        """Runs `intent` as if the customer had said it, replies going out on `output_channel`."""
        return self._call(
            "POST",
            f"/conversations/{conversation_id}/trigger_intent",
            params={"output_channel": output_channel},
            json={"name": intent, "entities": entities},
        )
