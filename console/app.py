"""The console's web app: server-rendered pages (a little JavaScript keeps the queue and the chat live)
and the JSON API under /api. Listens on 127.0.0.1 only (`python -m console`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi import Path as FastPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from console import marketing
from console.api import api_router
from console.chat import ChatError, RasaChat
from console.context import Chat, ChatUnavailable, Console
from console.dashboard_pages import dashboard_routes
from console.forms import FormFields
from console.marketing_api import marketing_router
from console.marketing_pages import marketing_pages
from console.security import ADMIN, DESK, Forbidden, Guard, LoginThrottle, NotLoggedIn, Staff
from console.settings import ConsoleSettings
from crm.db import make_engine
from crm.models import Availability, Channel, StaffRole
from crm.services import data_rights, desk, staff
from crm.services.audit import recent_audit
from crm.services.staff import StaffError
from crm.settings import Settings
from crm.uow import UnitOfWork
from proactive.channels import ChannelSender

HERE = Path(__file__).resolve().parent
# No inline script or style anywhere: what a reply or a note contains can never run as code.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class _Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _engine_senders(
    settings: Settings, store: Callable[[], UnitOfWork]
) -> Callable[[], Mapping[Channel, ChannelSender]]:
    made: list[Mapping[Channel, ChannelSender]] = []

    def senders() -> Mapping[Channel, ChannelSender]:
        if not made:
            from proactive.cli_delivery import senders as engine_senders

            try:
                made.append(engine_senders(store, settings))
            except RuntimeError as error:  # a channel's configuration is missing: say which
                raise ValueError(f"the channels cannot send: {error}") from error
        return made[0]

    return senders


def duration(seconds: float) -> str:
    """Waits as people read them: "45 s", "12 min", "38 h 25 min", "3 d 4 h"."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def create_app(
    settings: Settings,
    console_settings: ConsoleSettings,
    *,
    chat: Chat | None = None,
    store: Callable[[], UnitOfWork] | None = None,
    clock: Callable[[], datetime] | None = None,
    senders: Callable[[], Mapping[Channel, ChannelSender]] | None = None,
) -> FastAPI:
    if store is None:
        engine = make_engine(settings.database_url)

        def store() -> UnitOfWork:
            return UnitOfWork.for_engine(engine)

    now = clock or settings.now
    console = Console(
        store=store,
        clock=now,
        guard=Guard(store, now, console_settings.https),
        throttle=LoginThrottle(),
        chat=chat or RasaChat.from_settings(settings),
        settings=console_settings,
        senders=senders or _engine_senders(settings, store),
    )
    pages = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())
    pages.filters["duration"] = duration
    app = FastAPI(
        title="Support console",
        description="The agents' desk, admin and data rights. Log in on /login; send the session's CSRF "
        "token (GET /api/me) as X-CSRF-Token with every POST.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.add_middleware(_Headers)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api_router(console))
    app.include_router(marketing_router(console))
    guard = console.guard

    def render(template: str, who: Staff | None, status: int = 200, **values: Any) -> HTMLResponse:
        html = pages.get_template(template).render(me=who, **values)
        return HTMLResponse(html, status_code=status)

    def posted(request: Request, fields: dict[str, str], roles: tuple[StaffRole, ...]) -> Staff:
        """Who posts `fields`: logged in, holding one of `roles`, with the form's CSRF token."""
        who = guard.require(request, roles)
        guard.require_csrf(who, fields.get("csrf"))
        return who

    def api_call(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _error: NotLoggedIn) -> Response:
        if api_call(request):
            return JSONResponse({"detail": "log in first"}, status_code=401)
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        if api_call(request):
            return JSONResponse({"detail": error.reason}, status_code=403)
        return render("error.html", guard.current(request), 403, message=error.reason)

    @app.exception_handler(desk.DeskError)
    async def desk_error(request: Request, error: desk.DeskError) -> Response:
        status = 404 if str(error).startswith("no chat case") else 409
        return JSONResponse({"detail": str(error)}, status_code=status)

    @app.exception_handler(data_rights.UnknownCustomerRef)
    async def unknown_customer(request: Request, error: data_rights.UnknownCustomerRef) -> Response:
        return JSONResponse({"detail": f"no customer {error}"}, status_code=404)

    @app.exception_handler(marketing.UnknownTriggerId)
    async def unknown_trigger(request: Request, error: marketing.UnknownTriggerId) -> Response:
        return JSONResponse({"detail": f"no trigger {error}"}, status_code=404)

    @app.exception_handler(StaffError)
    async def staff_error(request: Request, error: StaffError) -> Response:
        return JSONResponse({"detail": str(error)}, status_code=400)

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, error: ValueError) -> Response:
        # A service refused the input (an empty note, a rating out of range): the caller's mistake.
        return JSONResponse({"detail": str(error)[:200]}, status_code=400)

    @app.exception_handler(ChatUnavailable)
    async def chat_unavailable(request: Request, error: ChatUnavailable) -> Response:
        return JSONResponse(
            {"detail": f"the chat server did not answer; nothing changed ({error})"}, status_code=502
        )

    @app.exception_handler(ChatError)
    async def chat_error(request: Request, error: ChatError) -> Response:
        return JSONResponse({"detail": f"the chat server did not answer ({error})"}, status_code=502)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # Validation problems name the fields only: never echo what was sent (a password, say).
        fields = [".".join(str(part) for part in e.get("loc", ())) for e in error.errors()]
        return JSONResponse({"detail": "invalid request", "fields": fields}, status_code=422)

    # --- logging in and out ----------------------------------------------------------------------
    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, error: str = "") -> Response:
        token = guard.login_token(request)
        page = render("login.html", None, error=error[:40], csrf=token)
        guard.set_login_cookie(request, page, token)
        return page

    @app.post("/login", include_in_schema=False)
    def login(request: Request, fields: FormFields) -> Response:
        client = request.client.host if request.client else "?"
        if not guard.login_token_ok(request, fields.get("csrf")):
            return render("error.html", None, 403, message="The login form expired: reload the page.")
        if console.throttle.blocked(client):
            return RedirectResponse("/login?error=throttled", status_code=303)
        result = staff.log_in(
            console.store(), fields.get("email", ""), fields.get("password", ""), console.clock()
        )
        if result.outcome != "ok" or result.session_id is None:
            console.throttle.failed(client)
            return RedirectResponse(f"/login?error={result.outcome}", status_code=303)
        page = RedirectResponse("/", status_code=303)
        guard.set_session(request, page, result.session_id)
        return page

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, fields: FormFields) -> Response:
        who = posted(request, fields, tuple(StaffRole))
        staff.log_out(console.store(), who.session_id)
        page = RedirectResponse("/login", status_code=303)
        guard.clear_session(request, page)
        return page

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        who = guard.require(request, tuple(StaffRole))
        return RedirectResponse(
            "/marketing" if who.user.role is StaffRole.MARKETER else "/queue", status_code=303
        )

    # --- the desk ------------------------------------------------------------------------------
    @app.get("/queue", include_in_schema=False)
    def queue_page(request: Request) -> Response:
        who = guard.require(request, DESK)
        return render("queue.html", who)

    @app.post("/availability", include_in_schema=False)
    def availability(request: Request, fields: FormFields) -> Response:
        who = posted(request, fields, DESK)
        try:
            value = Availability(fields.get("availability", ""))
        except ValueError:
            return render("error.html", who, 400, message="available or away")
        staff.set_availability(console.store(), who.user.id, value, console.clock())
        return RedirectResponse("/queue", status_code=303)

    @app.get("/cases/{number}", include_in_schema=False)
    def case_page(request: Request, number: str) -> Response:
        who = guard.require(request, DESK)
        found = desk.desk_case(console.store(), number[:40])
        colleagues = [
            u
            for u in staff.staff_list(console.store())
            if u.active and u.role in DESK and u.id != who.user.id
        ]
        return render("case.html", who, number=found.number, colleagues=colleagues)

    app.include_router(marketing_pages(console, render, posted))
    app.include_router(dashboard_routes(console, render))

    # --- admin ---------------------------------------------------------------------------------
    @app.get("/admin", include_in_schema=False)
    def admin_page(request: Request, done: str = "") -> Response:
        who = guard.require(request, ADMIN)
        return render(
            "admin.html",
            who,
            users=staff.staff_list(console.store()),
            roles=list(StaffRole),
            audit=recent_audit(console.store(), 50),
            done=done[:80],
        )

    @app.post("/admin/users", include_in_schema=False)
    def admin_create_user(request: Request, fields: FormFields) -> Response:
        who = posted(request, fields, ADMIN)
        try:
            staff.create_user(
                console.store(),
                fields.get("email", ""),
                fields.get("name", ""),
                StaffRole(fields.get("role", "agent")),
                fields.get("password", ""),
                console.clock(),
                actor=who.actor,
            )
        except ValueError as error:  # StaffError, or an unknown role
            return render("error.html", who, 400, message=str(error))
        return RedirectResponse("/admin?done=created", status_code=303)

    @app.post("/admin/users/{user_id}", include_in_schema=False)
    def admin_change_user(
        request: Request, fields: FormFields, user_id: Annotated[int, FastPath(ge=1, le=2_147_483_647)]
    ) -> Response:
        who = posted(request, fields, ADMIN)
        try:
            role = StaffRole(fields["role"]) if fields.get("role") else None
            active = {"yes": True, "no": False}.get(fields.get("active", ""))
            if user_id == who.user.id and (active is False or role not in (None, StaffRole.ADMIN)):
                raise StaffError("an admin cannot lock themselves out")
            staff.change_user(
                console.store(), user_id, console.clock(), actor=who.actor, role=role, active=active
            )
        except ValueError as error:
            return render("error.html", who, 400, message=str(error))
        return RedirectResponse("/admin?done=changed", status_code=303)

    @app.post("/admin/customers/erase", include_in_schema=False)
    def admin_erase(request: Request, fields: FormFields) -> Response:
        who = posted(request, fields, ADMIN)
        ref = fields.get("ref", "").strip()
        if not ref or fields.get("confirm", "").strip() != ref:
            return render(
                "error.html", who, 400, message="Type the customer's reference twice to erase them."
            )
        try:
            data_rights.erase_customer(
                console.store(),
                ref,
                console_settings.suppression_secret,
                console.clock(),
                actor=who.actor,
                forget_conversations=console.chat.forget,
            )
        except data_rights.UnknownCustomerRef:
            return render("error.html", who, 404, message=f"No customer {ref}.")
        return RedirectResponse("/admin?done=erased", status_code=303)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
