"""The marketers' JSON API: triggers, their preview, status and the kill switch (roles marketer, admin)."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StringConstraints

from console import marketing
from console.api import CsrfHeader, RowId
from console.context import Console
from console.security import MARKETING, Staff
from crm.models import ConsentPurpose, Predictor, TriggerStatus


class TriggerIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    predictor: Predictor
    template: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    category: ConsentPurpose
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    audience: Annotated[str, StringConstraints(max_length=4000)] = "{}"
    channels: Annotated[str, StringConstraints(max_length=80)] = "preferred,telegram,web,email"
    window_start: time = time(9, 0)
    window_end: time = time(20, 0)
    holdout_percent: Annotated[int, Field(ge=0, le=90)] = 10
    throttle_per_hour: Annotated[int | None, Field(ge=1, le=100_000)] = None
    cooldown_days: Annotated[int, Field(ge=0, le=3650)] = 30
    lead_days: Annotated[int, Field(ge=0, le=365)] = 3
    every_minutes: Annotated[int, Field(ge=1, le=10_080)] = 60

    def form(self) -> marketing.TriggerForm:
        return marketing.TriggerForm(**self.model_dump())


class TriggerOut(BaseModel):
    id: int
    name: str
    description: str
    predictor: str
    category: str
    status: str
    status_reason: str | None
    paused_automatically: bool
    figures: dict[str, int]
    definition: dict[str, Any]


class StatusIn(BaseModel):
    status: TriggerStatus
    reason: Annotated[str | None, StringConstraints(max_length=500)] = None


class PreviewIn(BaseModel):
    customer_ref: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=40)] = None


class PreviewOut(BaseModel):
    found: int
    in_audience: int
    sample: list[dict[str, Any]]
    customer_ref: str | None
    text: str | None
    problem: str | None


class TestSendIn(BaseModel):
    to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)] = Field(
        description="telegram:<chat id>, web:<customer ref> or email:<address>"
    )
    customer_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class TestSendOut(BaseModel):
    result: str


class KillSwitch(BaseModel):
    on: bool


def marketing_router(console: Console) -> APIRouter:
    api = APIRouter(prefix="/api", tags=["marketing"])
    guard = console.guard

    def posting(request: Request, csrf: str | None) -> Staff:
        who = guard.require(request, MARKETING)
        guard.require_csrf(who, csrf)
        return who

    @api.get("/triggers", response_model=list[TriggerOut])
    def list_triggers(request: Request) -> list[TriggerOut]:
        guard.require(request, MARKETING)
        return [TriggerOut(**vars(row)) for row in marketing.triggers(console.store())]

    @api.post("/triggers", response_model=TriggerOut, status_code=201)
    def create_trigger(request: Request, body: TriggerIn, csrf: CsrfHeader = None) -> TriggerOut:
        who = posting(request, csrf)
        row = marketing.save_trigger(console.store(), body.form(), console.clock(), actor=who.actor)
        return TriggerOut(**vars(row))

    @api.get("/triggers/{trigger_id}", response_model=TriggerOut)
    def get_trigger(request: Request, trigger_id: RowId) -> TriggerOut:
        guard.require(request, MARKETING)
        return TriggerOut(**vars(marketing.trigger(console.store(), trigger_id)))

    @api.post("/triggers/{trigger_id}", response_model=TriggerOut)
    def change_trigger(
        request: Request, trigger_id: RowId, body: TriggerIn, csrf: CsrfHeader = None
    ) -> TriggerOut:
        who = posting(request, csrf)
        row = marketing.save_trigger(
            console.store(), body.form(), console.clock(), actor=who.actor, trigger_id=trigger_id
        )
        return TriggerOut(**vars(row))

    @api.post("/triggers/{trigger_id}/status", response_model=TriggerOut)
    def trigger_status(
        request: Request, trigger_id: RowId, body: StatusIn, csrf: CsrfHeader = None
    ) -> TriggerOut:
        who = posting(request, csrf)
        row = marketing.set_status(
            console.store(), trigger_id, body.status, console.clock(), actor=who.actor, reason=body.reason
        )
        return TriggerOut(**vars(row))

    @api.post("/triggers/{trigger_id}/preview", response_model=PreviewOut)
    def trigger_preview(
        request: Request, trigger_id: RowId, body: PreviewIn, csrf: CsrfHeader = None
    ) -> PreviewOut:
        posting(request, csrf)
        found = marketing.preview(console.store(), trigger_id, console.clock(), body.customer_ref)
        return PreviewOut(**vars(found))

    @api.post("/triggers/{trigger_id}/test-send", response_model=TestSendOut)
    def trigger_test_send(
        request: Request, trigger_id: RowId, body: TestSendIn, csrf: CsrfHeader = None
    ) -> TestSendOut:
        posting(request, csrf)
        result = marketing.test_send(
            console.store, console.senders, trigger_id, body.to, body.customer_ref, console.clock()
        )
        return TestSendOut(result=result)

    @api.get("/kill-switch", response_model=KillSwitch)
    def get_kill_switch(request: Request) -> KillSwitch:
        guard.require(request, MARKETING)
        return KillSwitch(on=marketing.kill_switch(console.store()))

    @api.post("/kill-switch", response_model=KillSwitch)
    def put_kill_switch(request: Request, body: KillSwitch, csrf: CsrfHeader = None) -> KillSwitch:
        who = posting(request, csrf)
        return KillSwitch(
            on=marketing.set_kill_switch(console.store(), body.on, console.clock(), actor=who.actor)
        )

    return api
