"""The answer links under a proactive email: `/email/<signed token>`.

A token is signed and expires (`proactive.email_links`); it names the message, the customer
and the answer, so the link works without logging in and proves nothing else. The answer is
applied when the link is opened: "stop" in particular takes effect at once (as an unsubscribe
link must), and the page offers an undo button. "Another channel" shows the choice as buttons.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from crm.models import Channel
from crm.settings import Settings
from crm.uow import UnitOfWork
from proactive.email_answers import answer, choose_channel, undo_stop
from proactive.email_links import LABELS, BadLink, EmailAction, LinkClaims, sign, verify

CHOICES = (Channel.WEB, Channel.TELEGRAM, Channel.EMAIL)
CHANNEL_NAMES = {Channel.WEB: "the chat on our website", Channel.TELEGRAM: "Telegram", Channel.EMAIL: "email"}


def register(
    app: FastAPI, settings: Settings, secret: str, uow: Callable[[], UnitOfWork], pages: Environment
) -> None:
    page = pages.get_template("email_answer.html")

    def show(status: int = 200, **values: object) -> HTMLResponse:
        return HTMLResponse(page.render(labels=LABELS, names=CHANNEL_NAMES, **values), status_code=status)

    def claims_of(token: str) -> LinkClaims:
        return verify(secret, token, settings.now())

    @app.get("/email/{token}", response_class=HTMLResponse)
    async def open_link(token: str) -> HTMLResponse:
        try:
            claims = claims_of(token)
            done = answer(uow(), claims, settings.now())
        except BadLink as error:
            return show(400, error=str(error))
        undo = None
        if claims.action is EmailAction.STOP and not done.test:
            previous = ",".join(channel.value for channel in done.previously_allowed)
            undo = sign(secret, claims.key, claims.customer, EmailAction.STOP, settings.now(), extra=previous)
        return show(action=claims.action.value, test=done.test, token=token, undo=undo, choices=CHOICES)

    @app.post("/email/{token}/undo", response_class=HTMLResponse)
    async def undo(token: str) -> HTMLResponse:
        try:
            undo_stop(uow(), claims_of(token), settings.now())
        except BadLink as error:
            return show(400, error=str(error))
        return show(action="undone")

    @app.post("/email/{token}/channel", response_model=None)
    async def channel(token: str, request: Request) -> Response:
        form = (await request.body()).decode("utf-8", "replace")
        chosen = dict(part.split("=", 1) for part in form.split("&") if "=" in part).get("channel", "")
        try:
            claims = claims_of(token)
            choose_channel(uow(), claims, Channel(chosen))
        except (BadLink, ValueError) as error:
            return show(400, error=str(error) if isinstance(error, BadLink) else "choose one of the channels")
        return RedirectResponse(f"/email/{token}/chosen/{chosen}", status_code=303)

    @app.get("/email/{token}/chosen/{chosen}", response_class=HTMLResponse)
    async def chosen_page(token: str, chosen: str) -> HTMLResponse:
        try:
            claims_of(token)
            picked = Channel(chosen)
        except (BadLink, ValueError):
            return show(400, error="this link is not one we sent")
        return show(action="chosen", chosen=picked)
