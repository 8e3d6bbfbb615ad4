"""The console's JSON API under /api (described at /api/openapi.json). Session cookie plus the
`X-CSRF-Token` header on every POST; roles as on the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from pydantic import BaseModel, Field, StringConstraints

from console.context import Console
from console.security import ADMIN, DESK, Staff
from crm.models import Availability, StaffRole
from crm.services import data_rights, desk, staff
from crm.services.audit import audit, recent_audit

CsrfHeader = Annotated[str | None, Header(alias="X-CSRF-Token")]
Number = Annotated[str, Field(max_length=40)]
# Row ids as the databases store them (a larger number is a 422, not an overflow in the driver).
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]


class Me(BaseModel):
    email: str
    name: str
    role: StaffRole
    availability: Availability
    csrf_token: str


class AvailabilityIn(BaseModel):
    availability: Availability


class QueueEntry(BaseModel):
    number: str
    status: str
    reason: str | None
    topic: str
    channel: str | None
    conversation_id: str | None
    customer_ref: str | None
    customer_name: str | None
    opened_at: datetime
    waiting_seconds: int
    taken_by: str | None


class QueueOut(BaseModel):
    agents_on_duty: int | None
    cases: list[QueueEntry]


class LineOut(BaseModel):
    at: datetime
    who: str
    text: str
    agent: str | None = None
    buttons: list[str] = []


class CaseOut(BaseModel):
    case: QueueEntry
    description: str
    events: list[dict[str, Any]]
    customer: dict[str, Any] | None
    proactive: dict[str, Any] | None
    rating: int | None
    orders: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    open_cases: list[dict[str, Any]]
    transcript: list[LineOut]
    transcript_error: str | None = None


class TextIn(BaseModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class TransferIn(BaseModel):
    to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]


class CaseState(BaseModel):
    number: str
    status: str
    taken_by: str | None


class StaffOut(BaseModel):
    id: int
    email: str
    name: str
    role: StaffRole
    active: bool
    availability: Availability


class StaffIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=120)
    role: StaffRole
    password: str = Field(min_length=staff.MIN_PASSWORD_LENGTH, max_length=1024)


class StaffChange(BaseModel):
    role: StaffRole | None = None
    active: bool | None = None


class AuditOut(BaseModel):
    at: datetime
    actor: str
    action: str
    subject: str
    before: Any
    after: Any


class EraseIn(BaseModel):
    confirm: str = Field(max_length=40, description="the customer's reference again, to confirm")


class ErasureOut(BaseModel):
    subject: str
    deleted: dict[str, int]
    conversations: int


def _state(case: desk.DeskCase) -> CaseState:
    return CaseState(number=case.number, status=case.status.value, taken_by=case.taken_by)


def _staff(view: staff.StaffView) -> StaffOut:
    return StaffOut(
        id=view.id,
        email=view.email,
        name=view.name,
        role=view.role,
        active=view.active,
        availability=view.availability,
    )


def api_router(console: Console) -> APIRouter:
    api = APIRouter(prefix="/api")
    guard = console.guard

    def posting(request: Request, roles: tuple[StaffRole, ...], csrf: str | None) -> Staff:
        who = guard.require(request, roles)
        guard.require_csrf(who, csrf)
        return who

    @api.get("/me", response_model=Me, tags=["session"])
    def me(request: Request) -> Me:
        who = guard.require(request, tuple(StaffRole))
        return Me(
            email=who.user.email,
            name=who.user.name,
            role=who.user.role,
            availability=who.user.availability,
            csrf_token=who.csrf,
        )

    @api.post("/availability", response_model=StaffOut, tags=["desk"])
    def availability(request: Request, body: AvailabilityIn, csrf: CsrfHeader = None) -> StaffOut:
        who = posting(request, DESK, csrf)
        return _staff(
            staff.set_availability(console.store(), who.user.id, body.availability, console.clock())
        )

    @api.get("/queue", response_model=QueueOut, tags=["desk"])
    def queue(request: Request) -> QueueOut:
        guard.require(request, DESK)
        items = desk.queue(console.store(), console.clock())
        return QueueOut(
            agents_on_duty=staff.agents_on_duty(console.store()),
            cases=[QueueEntry(**{**vars(i), "status": i.status.value}) for i in items],
        )

    @api.get("/cases/{number}", response_model=CaseOut, tags=["desk"])
    def case(request: Request, number: Number) -> CaseOut:
        guard.require(request, DESK)
        detail = desk.case_detail(console.store(), number, console.clock())
        lines, problem = console.transcript(detail.case.conversation_id)
        data = desk.as_dict(detail)
        return CaseOut(
            **data,
            transcript=[LineOut(**{**vars(line), "buttons": list(line.buttons)}) for line in lines],
            transcript_error=problem,
        )

    @api.post("/cases/{number}/take", response_model=CaseState, tags=["desk"])
    def take(request: Request, number: Number, csrf: CsrfHeader = None) -> CaseState:
        return _state(console.take(posting(request, DESK, csrf), number))

    @api.post("/cases/{number}/reply", response_model=CaseState, tags=["desk"])
    def reply(request: Request, number: Number, body: TextIn, csrf: CsrfHeader = None) -> CaseState:
        who = posting(request, DESK, csrf)
        console.reply(who, number, body.text)
        return _state(desk.desk_case(console.store(), number))

    @api.post("/cases/{number}/notes", response_model=CaseState, tags=["desk"])
    def note(request: Request, number: Number, body: TextIn, csrf: CsrfHeader = None) -> CaseState:
        who = posting(request, DESK, csrf)
        desk.add_note(console.store(), number, who.actor, body.text, console.clock())
        return _state(desk.desk_case(console.store(), number))

    @api.post("/cases/{number}/transfer", response_model=CaseState, tags=["desk"])
    def transfer(request: Request, number: Number, body: TransferIn, csrf: CsrfHeader = None) -> CaseState:
        who = posting(request, DESK, csrf)
        return _state(desk.transfer(console.store(), number, who.actor, body.to, console.clock()))

    @api.post("/cases/{number}/hand-back", response_model=CaseState, tags=["desk"])
    def hand_back(request: Request, number: Number, csrf: CsrfHeader = None) -> CaseState:
        return _state(console.hand_back(posting(request, DESK, csrf), number))

    @api.post("/cases/{number}/close", response_model=CaseState, tags=["desk"])
    def close(request: Request, number: Number, csrf: CsrfHeader = None) -> CaseState:
        return _state(console.close(posting(request, DESK, csrf), number))

    @api.get("/staff", response_model=list[StaffOut], tags=["admin"])
    def staff_list(request: Request) -> list[StaffOut]:
        guard.require(request, ADMIN)
        return [_staff(v) for v in staff.staff_list(console.store())]

    @api.post("/staff", response_model=StaffOut, status_code=201, tags=["admin"])
    def staff_create(request: Request, body: StaffIn, csrf: CsrfHeader = None) -> StaffOut:
        who = posting(request, ADMIN, csrf)
        view = staff.create_user(
            console.store(), body.email, body.name, body.role, body.password, console.clock(), actor=who.actor
        )
        return _staff(view)

    @api.post("/staff/{user_id}", response_model=StaffOut, tags=["admin"])
    def staff_change(
        request: Request, user_id: RowId, body: StaffChange, csrf: CsrfHeader = None
    ) -> StaffOut:
        who = posting(request, ADMIN, csrf)
        if user_id == who.user.id and (body.active is False or body.role not in (None, StaffRole.ADMIN)):
            raise staff.StaffError("an admin cannot lock themselves out")
        view = staff.change_user(
            console.store(), user_id, console.clock(), actor=who.actor, role=body.role, active=body.active
        )
        return _staff(view)

    @api.get("/audit", response_model=list[AuditOut], tags=["admin"])
    def audit_log(
        request: Request, subject: Annotated[str | None, Field(max_length=160)] = None
    ) -> list[AuditOut]:
        guard.require(request, ADMIN)
        return [AuditOut(**vars(e)) for e in recent_audit(console.store(), 200, subject)]

    @api.get("/customers/{ref}/export", tags=["admin"])
    def export(request: Request, ref: Annotated[str, Field(max_length=40)]) -> dict[str, Any]:
        who = guard.require(request, ADMIN)
        data = data_rights.export_customer(console.store(), ref, console.clock())
        with console.store() as uow:
            audit(
                uow,
                who.actor,
                "customer.exported",
                data_rights.customer_subject(ref),
                None,
                None,
                console.clock(),
            )
            uow.commit()
        return data

    @api.post("/customers/{ref}/erase", response_model=ErasureOut, tags=["admin"])
    def erase(
        request: Request, ref: Annotated[str, Field(max_length=40)], body: EraseIn, csrf: CsrfHeader = None
    ) -> ErasureOut:
        who = posting(request, ADMIN, csrf)
        if body.confirm != ref:
            raise staff.StaffError("confirm with the customer's reference")
        result = data_rights.erase_customer(
            console.store(),
            ref,
            console.settings.suppression_secret,
            console.clock(),
            actor=who.actor,
            forget_conversations=console.chat.forget,
        )
        return ErasureOut(
            subject=result.subject, deleted=result.deleted, conversations=len(result.conversations)
        )

    return api
