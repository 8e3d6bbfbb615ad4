"""The dashboard: its page, its CSV export and its JSON API (marketers and admins; agents get 403:
the figures cover the whole shop and the whole team, docs/console.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup
from pydantic import BaseModel

from console import dashboard
from console.context import Console
from console.security import MARKETING, Staff

Render = Callable[..., HTMLResponse]


class FigureOut(BaseModel):
    figure: str
    numerator: float | None
    denominator: int | None
    value: float | None
    unit: str


class DashboardOut(BaseModel):
    from_date: date
    to_date: date
    figures: list[FigureOut]


class RangeProblem(BaseModel):
    detail: str


FromDate = Annotated[
    date | None, Query(alias="from", description="first day (UTC), default 29 days before `to`")
]
ToDate = Annotated[date | None, Query(alias="to", description="last day (UTC), included; default today")]


def dashboard_routes(console: Console, render: Render) -> APIRouter:
    routes = APIRouter()
    guard = console.guard

    def figures(first: date | None, last: date | None) -> dashboard.Dashboard:
        chosen = dashboard.period(first, last, console.clock())
        return dashboard.dashboard(console.store, console.settings.outcomes_url, chosen)

    def page(who: Staff, status: int, first: str, last: str, **values: Any) -> HTMLResponse:
        return render("dashboard.html", who, status, first=first, last=last, **values)

    @routes.get("/dashboard", include_in_schema=False)
    def dashboard_page(request: Request) -> Response:
        who = guard.require(request, MARKETING)
        first_text = request.query_params.get("from", "")[:20]
        last_text = request.query_params.get("to", "")[:20]
        try:
            first = date.fromisoformat(first_text) if first_text else None
            last = date.fromisoformat(last_text) if last_text else None
            board = figures(first, last)
        except ValueError as error:  # a malformed date, or a BadRange
            return page(who, 422, first_text, last_text, error=str(error)[:120])
        return page(
            who,
            200,
            board.period.first.isoformat(),
            board.period.last.isoformat(),
            board=board,
            rows=dashboard.rows(board),
            charts=[Markup(svg) for svg in dashboard.charts(board)],  # built from escaped parts
        )

    @routes.get("/dashboard.csv", include_in_schema=False)
    def dashboard_csv(request: Request, first: FromDate = None, last: ToDate = None) -> Response:
        guard.require(request, MARKETING)
        try:
            board = figures(first, last)
        except dashboard.BadRange as error:
            return JSONResponse({"detail": str(error)}, status_code=422)
        name = f"dashboard-{board.period.first.isoformat()}-{board.period.last.isoformat()}.csv"
        return Response(
            dashboard.as_csv(board),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @routes.get(
        "/api/dashboard",
        response_model=DashboardOut,
        tags=["dashboard"],
        responses={422: {"model": RangeProblem, "description": "the dates make no usable period"}},
    )
    def dashboard_api(request: Request, first: FromDate = None, last: ToDate = None) -> Any:
        """The dashboard's figures for [from, to] (both days included, UTC): the study's five metrics
        with numerator and denominator, proactive reach, acceptance and opt-out (when the outcome log
        is configured), first reply and handoff waiting times (median, p90, seconds)."""
        guard.require(request, MARKETING)
        try:
            board = figures(first, last)
        except dashboard.BadRange as error:
            return JSONResponse({"detail": str(error)}, status_code=422)
        return DashboardOut(
            from_date=board.period.first,
            to_date=board.period.last,
            figures=[FigureOut.model_validate(row) for row in dashboard.rows(board)],
        )

    return routes
