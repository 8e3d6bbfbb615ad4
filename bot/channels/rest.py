"""The REST channel for local development and tests: loopback only, identity only from a signed token.

Rasa's stock RestInput lets the caller name the sender, the input channel ("telegram"!) and any
metadata. Here the input channel is always "rest", the caller's sender id lives in its own
namespace (`rest:<sender>`, so it can never address a website or Telegram conversation), and
the only metadata passed on is the chat token (verified by the action server on every turn) and
the caller's address (for identification limits).
"""

from __future__ import annotations

import ipaddress
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

SENDER_PREFIX = "rest:"
MAX_SENDER_CHARS = 100
MAX_MESSAGE_CHARS = 20_000


class TokenRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("token_rest_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not is_loopback(request.ip):
                return response.json({"error": "the REST channel only answers on this machine"}, status=403)
            body, problem = parse_body(request)
            if problem:
                return response.json({"error": problem}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(
                body["message"],
                collector,
                SENDER_PREFIX + body["sender"],
                input_channel=self.name(),
                metadata=metadata_of(body, request.ip),
            )
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("REST message timed out for %s", message.sender_id)
            except Exception:
                logger.exception("REST message failed for %s", message.sender_id)
            return response.json(collector.messages)

        return hook


def parse_body(request: Request) -> tuple[dict[str, Any], str | None]:
    """The request's JSON with a usable sender and message, or why it is unusable."""
    try:
        body = request.json
    except Exception:  # sanic raises its own error types for bad JSON
        body = None
    if not isinstance(body, dict):
        return {}, 'send a JSON object: {"sender": "...", "message": "...", "metadata": {"token": "..."}}'
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return {}, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    if message is None:
        message = ""
    if not isinstance(message, str):
        return {}, "'message' must be a string"
    return {**body, "sender": sender.strip(), "message": message[:MAX_MESSAGE_CHARS]}, None


def metadata_of(body: dict[str, Any], client: str) -> dict[str, Any]:
    """Only the chat token (checked later) and the server-observed client address go through."""
    supplied = body.get("metadata")
    token = supplied.get("token") if isinstance(supplied, dict) else None
    return {"chat_token": token if isinstance(token, str) else None, "client": client}


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False
