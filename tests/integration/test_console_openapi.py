"""Schemathesis against the console's OpenAPI description: every operation, with generated inputs,
called as an agent, a marketer and an admin (session cookie and CSRF token handled), never answers
with a server error. Rasa is a recording stand-in; the store is real."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, GenerationMode
from sqlalchemy import Engine

from console.app import create_app
from console.settings import ConsoleSettings
from crm.models import Channel, HandoffReason, StaffRole
from crm.services.handoff import request_handoff
from crm.uow import UnitOfWork
from tests.factories import T0, small_shop
from tests.support.console import SECRET, FakeChat, FakeSender, add_staff, log_in, settings_for

NOW = T0 + timedelta(days=3)
ROLES = ("agent@demo", "marketer@demo", "admin@demo")


@pytest.fixture
def console_app(store: Engine) -> Iterator[tuple[FastAPI, dict[str, tuple[str, str]]]]:
    small_shop(store)
    add_staff(store, NOW, StaffRole.AGENT, StaffRole.MARKETER, StaffRole.ADMIN)
    request_handoff(
        UnitOfWork.for_engine(store), 1, "tg:1", Channel.TELEGRAM, NOW, reason=HandoffReason.CUSTOMER_ASKED
    )
    app = create_app(
        settings_for(store.url.render_as_string(hide_password=False)),
        ConsoleSettings(suppression_secret=SECRET),
        chat=FakeChat(),
        store=lambda: UnitOfWork.for_engine(store),
        clock=lambda: NOW,
        senders=lambda: {Channel.WEB: FakeSender(), Channel.TELEGRAM: FakeSender()},
    )
    sessions = {}
    for email in ROLES:
        client = TestClient(app, base_url="http://127.0.0.1")
        csrf = log_in(client, email)
        sessions[email] = (str(client.cookies.get("console_session")), csrf)
    yield app, sessions


def no_server_error(
    operation: APIOperation, mode: GenerationMode, sessions: dict[str, tuple[str, str]]
) -> Callable[[], None]:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        for email in ROLES:
            session_id, csrf = sessions[email]
            response = case.call(headers={"X-CSRF-Token": csrf}, cookies={"console_session": session_id})
            assert response.status_code < 500, (operation.label, email, response.status_code, response.text)

    return check


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_answers_with_a_server_error_for_any_role(
    console_app: tuple[FastAPI, dict[str, tuple[str, str]]], mode: GenerationMode
) -> None:
    app, sessions = console_app
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every operation is tried: the description must list the desk, the staff and the data rights.
    assert len(operations) >= 14, [op.label for op in operations]
    tried = 0
    for operation in operations:
        try:
            no_server_error(operation, mode, sessions)()
            tried += 1
        except Unsatisfiable:
            # Nothing to get wrong (no parameters, no body): there is no negative case to make.
            assert mode is GenerationMode.NEGATIVE, operation.label
    assert tried >= (len(operations) if mode is GenerationMode.POSITIVE else 10)
