"""The storefront's pages. Demo only: "log in" as any demo customer by their reference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from crm.chat_tokens import load_or_create_secret, mint, mint_visitor
from crm.db import make_engine
from crm.models import Channel
from crm.services.catalog import catalogue
from crm.services.channel_links import LINK_CODE_TTL, create_link_code
from crm.services.customers import customer_by_ref, first_customers
from crm.services.orders import recent_orders
from crm.settings import VAR_DIR, Settings
from crm.uow import UnitOfWork
from web import email_controls
from web.sessions import COOKIE, SessionCookies, ShopSession

HERE = Path(__file__).resolve().parent
# Installed by `make setup` (npm ci in web/): the widget is served from here, never from a CDN.
WEBCHAT_BUNDLE = HERE / "node_modules" / "rasa-webchat" / "lib" / "index.js"


def create_app(settings: Settings) -> FastAPI:
    secret = settings.chat_token_secret or load_or_create_secret(VAR_DIR / "chat-token-secret")
    cookies = SessionCookies(secret)
    engine = make_engine(settings.database_url)
    pages = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())

    def uow() -> UnitOfWork:
        return UnitOfWork.for_engine(engine)

    app = FastAPI(title="Demo shop", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def session_of(request: Request) -> ShopSession:
        return cookies.load(request.cookies.get(COOKIE)) or ShopSession.new()

    def chat_config(session: ShopSession) -> dict[str, Any]:
        now = settings.now()
        token = (
            mint(session.customer, secret, now)
            if session.customer
            else mint_visitor(session.visitor, secret, now)
        )
        return {
            "socketUrl": settings.rasa_url,
            "token": token,
            # Whose chat the browser may keep: another owner means another person, start empty.
            "owner": f"customer:{session.customer}" if session.customer else f"visitor:{session.visitor}",
        }

    def render(request: Request, template: str, session: ShopSession, **values: Any) -> HTMLResponse:
        customer = customer_by_ref(uow(), session.customer) if session.customer else None
        html = pages.get_template(template).render(
            customer=customer,
            chat=json.dumps(chat_config(session)),
            widget_installed=WEBCHAT_BUNDLE.is_file(),
            **values,
        )
        page = HTMLResponse(html)
        remember(page, session)
        return page

    def remember(page: Response, session: ShopSession) -> None:
        page.set_cookie(COOKIE, cookies.dump(session), httponly=True, samesite="lax", path="/")

    async def form(request: Request) -> dict[str, str]:
        fields = parse_qs((await request.body()).decode("utf-8", "replace"))
        return {name: values[0] for name, values in fields.items() if values}

    @app.get("/", response_class=HTMLResponse)
    async def products(request: Request, logged_out: int = 0) -> HTMLResponse:
        return render(
            request, "products.html", session_of(request), items=catalogue(uow()), logged_out=logged_out
        )

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, error: str = "") -> HTMLResponse:
        return render(
            request, "login.html", session_of(request), customers=first_customers(uow()), error=error
        )

    @app.post("/login")
    async def login(request: Request) -> Response:
        ref = (await form(request)).get("customer", "").strip().upper()
        if not ref or customer_by_ref(uow(), ref) is None:
            return RedirectResponse("/login?error=unknown", status_code=303)
        page = RedirectResponse("/orders", status_code=303)
        remember(page, ShopSession.new(ref))  # a new visitor id too: nothing carries over
        return page

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        page = RedirectResponse("/?logged_out=1", status_code=303)
        remember(page, ShopSession.new())
        return page

    @app.get("/orders", response_class=HTMLResponse)
    async def orders(request: Request) -> Response:
        session = session_of(request)
        customer = customer_by_ref(uow(), session.customer) if session.customer else None
        if customer is None:
            return RedirectResponse("/login", status_code=303)
        return render(request, "orders.html", session, orders=recent_orders(uow(), customer.id, limit=20))

    @app.get("/account", response_class=HTMLResponse)
    async def account(request: Request) -> Response:
        session = session_of(request)
        if not session.customer:
            return RedirectResponse("/login", status_code=303)
        return render(request, "account.html", session, link=None)

    @app.post("/account/telegram", response_class=HTMLResponse)
    async def connect_telegram(request: Request) -> Response:
        session = session_of(request)
        customer = customer_by_ref(uow(), session.customer) if session.customer else None
        if customer is None:
            return RedirectResponse("/login", status_code=303)
        code = create_link_code(uow(), customer.id, Channel.TELEGRAM, settings.now())
        bot = settings.telegram_bot_username or "your_shop_bot"
        api = settings.telegram_api_url or ""
        link = {
            "telegram": f"https://t.me/{bot}?start={code}",
            "demo": f"{api.rstrip('/')}/?start={code}" if api.startswith("http://127.0.0.1") else None,
            "minutes": int(LINK_CODE_TTL.total_seconds() // 60),
        }
        return render(request, "account.html", session, link=link)

    @app.get("/webchat.js")
    async def webchat() -> Response:
        if not WEBCHAT_BUNDLE.is_file():
            return PlainTextResponse("rasa-webchat is not installed: run `make setup`", status_code=404)
        return FileResponse(WEBCHAT_BUNDLE, media_type="application/javascript")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    email_controls.register(app, settings, secret, uow, pages)
    return app
