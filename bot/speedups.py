"""Three measured hot spots of Rasa 3.6, patched once per process (the NLU component installs them).

1. Rasa runs the NLU graph synchronously inside its async message handler; with intents coming
   from the NLU service over HTTP, every message blocked the whole server for the length of
   that call (`bot.async_parse`).
2. Every custom action's response is checked with `jsonschema.validate`, which first validates
   the *schema itself* and builds a new validator each time: measured with py-spy, 45 % of the
   Rasa server's CPU per message. The same check with one validator built once does the same
   validation (the response is still rejected when malformed) at a fraction of the cost.
3. Every call to the action server opened a new HTTP client session, and so a new connection;
   one session per endpoint and event loop keeps the connection alive between messages.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import aiohttp
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.utils.endpoints import EndpointConfig

from bot import async_parse

_installed = False


@cache
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, not on every action call
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            "Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise


class _Kept:
    """`async with endpoint.session()` without closing the shared session at the end."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_exc: object) -> None:
        return None


_new_session = EndpointConfig.session
_sessions: dict[tuple[int, int], aiohttp.ClientSession] = {}


def _kept_session(self: EndpointConfig) -> _Kept:
    key = (id(self), id(asyncio.get_running_loop()))
    session = _sessions.get(key)
    if session is None or session.closed:
        session = _sessions[key] = _new_session(self)
    return _Kept(session)


def install() -> None:
    """Installs both patches (idempotent)."""
    global _installed
    if _installed:
        return
    async_parse.install()
    RemoteAction._validate_action_result = _validate_action_result
    EndpointConfig.session = _kept_session
    _installed = True
