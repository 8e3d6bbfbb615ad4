"""Safe defaults of the running system: loopback only, no secret on a command line, CORS for the shop only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.live import LiveSystem

pytestmark = pytest.mark.e2e


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_every_server_listens_on_loopback_only(system: LiveSystem) -> None:
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1 as /proc writes them
    ports = (
        system.settings.action_port,
        system.settings.rasa_port,
        system.settings.nlu_port,
        system.settings.shop_port,
        system.settings.fake_telegram_port,
    )
    for port in ports:
        addresses = listening_addresses(port)
        assert addresses and addresses <= loopback, (port, addresses)


def test_the_rasa_api_token_is_on_no_command_line(system: LiveSystem) -> None:
    for name, pid in system.pids.items():
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert system.token not in command_line, name
        assert system.settings.chat_token_secret not in command_line, name


def test_the_api_refuses_calls_without_the_token(system: LiveSystem) -> None:
    response = httpx.get(f"{system.settings.rasa_url}/conversations/anyone/tracker", timeout=30)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("origin", "allowed"), [("http://127.0.0.1:8000", True), ("https://evil.example", False)]
)
def test_browsers_may_call_rasa_only_from_the_shop(system: LiveSystem, origin: str, allowed: bool) -> None:
    response = httpx.options(
        f"{system.settings.rasa_url}/webhooks/rest/webhook",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )

    assert (response.headers.get("access-control-allow-origin") == origin) is allowed
