"""The marketers' pages: the trigger list with the kill switch, the edit page with its preview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as FastPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console import marketing
from console.context import Console
from console.forms import FormFields
from console.security import MARKETING, Staff
from crm.models import ConsentPurpose, Predictor, StaffRole, TriggerStatus
from proactive.triggers import PLACEHOLDERS

Render = Callable[..., HTMLResponse]
Posted = Callable[[Request, dict[str, str], tuple[StaffRole, ...]], Staff]

NEW_TRIGGER: dict[str, Any] = {
    "name": "",
    "description": "",
    "predictor": Predictor.REPLENISHMENT.value,
    "template": "Hi {first_name}, ",
    "audience": "{}",
    "category": ConsentPurpose.MARKETING.value,
    "channels": "preferred,telegram,web,email",
    "window_start": "09:00",
    "window_end": "20:00",
    "holdout_percent": 10,
    "throttle_per_hour": None,
    "cooldown_days": 30,
    "lead_days": 3,
    "every_minutes": 60,
}


def trigger_form(fields: dict[str, str]) -> marketing.TriggerForm:
    """A trigger from the edit page's fields; ValueError (with the field named) when one is unusable."""

    def number(name: str, default: int | None) -> int | None:
        text = fields.get(name, "").strip()
        if not text:
            return default
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{name.replace('_', ' ')}: a whole number") from None

    def clock(name: str, default: time) -> time:
        text = fields.get(name, "").strip()
        try:
            return time.fromisoformat(text) if text else default
        except ValueError:
            raise ValueError(f"{name.replace('_', ' ')}: a time like 09:00") from None

    try:
        predictor, category = (
            Predictor(fields.get("predictor", "")),
            ConsentPurpose(fields.get("category", "")),
        )
    except ValueError:
        raise ValueError("choose a predictor and a category") from None
    return marketing.TriggerForm(
        name=fields.get("name", ""),
        predictor=predictor,
        template=fields.get("template", ""),
        category=category,
        description=fields.get("description", ""),
        audience=fields.get("audience", "") or "{}",
        channels=fields.get("channels", ""),
        window_start=clock("window_start", time(9, 0)),
        window_end=clock("window_end", time(20, 0)),
        holdout_percent=number("holdout_percent", 10) or 0,
        throttle_per_hour=number("throttle_per_hour", None),
        cooldown_days=number("cooldown_days", 30) or 0,
        lead_days=number("lead_days", 3) or 0,
        every_minutes=number("every_minutes", 60) or 0,
    )


def marketing_pages(console: Console, render: Render, posted: Posted) -> APIRouter:
    pages = APIRouter()
    guard = console.guard

    # --- marketing -----------------------------------------------------------------------------
    @pages.get("/marketing", include_in_schema=False)
    def marketing_page(request: Request, done: str = "") -> Response:
        who = guard.require(request, MARKETING)
        return render(
            "marketing.html",
            who,
            triggers=marketing.triggers(console.store()),
            kill=marketing.kill_switch(console.store()),
            done=done[:80],
        )

    def trigger_page(
        who: Staff, row: marketing.TriggerRow | None, values: dict[str, Any], status: int = 200, **extra: Any
    ) -> HTMLResponse:
        predictor = Predictor(values.get("predictor") or Predictor.REPLENISHMENT.value)
        return render(
            "trigger.html",
            who,
            status,
            t=row,
            d=values,
            predictors=[p.value for p in Predictor],
            categories=[c.value for c in ConsentPurpose],
            placeholders=", ".join("{" + n + "}" for n in sorted(PLACEHOLDERS[predictor])),
            **extra,
        )

    @pages.get("/marketing/triggers/new", include_in_schema=False)
    def new_trigger_page(request: Request) -> Response:
        who = guard.require(request, MARKETING)
        return trigger_page(who, None, NEW_TRIGGER)

    @pages.get("/marketing/triggers/{trigger_id}", include_in_schema=False)
    def trigger_edit_page(
        request: Request,
        trigger_id: Annotated[int, FastPath(ge=1, le=2_147_483_647)],
        preview: str | None = None,
        done: str = "",
    ) -> Response:
        who = guard.require(request, MARKETING)
        row = marketing.trigger(console.store(), trigger_id)
        shown = None
        if preview is not None:
            try:
                shown = marketing.preview(console.store(), trigger_id, console.clock(), preview[:40] or None)
            except ValueError as error:  # a definition the engine cannot use
                return trigger_page(who, row, row.definition, 400, error=str(error))
        found = (
            marketing.results(console.store(), console.settings.outcomes_url, trigger_id, console.clock())
            if console.settings.outcomes_url
            else None
        )
        return trigger_page(who, row, row.definition, preview=shown, done=done[:80], results=found)

    @pages.get("/marketing/triggers/{trigger_id}/replay", include_in_schema=False)
    def replay_page(
        request: Request, trigger_id: Annotated[int, FastPath(ge=1, le=2_147_483_647)]
    ) -> Response:
        who = guard.require(request, MARKETING)
        row = marketing.trigger(console.store(), trigger_id)
        first_text = request.query_params.get("from", "")[:20]
        last_text = request.query_params.get("to", "")[:20]
        try:
            first, last = marketing.replay_range(
                date.fromisoformat(first_text) if first_text else None,
                date.fromisoformat(last_text) if last_text else None,
                console.clock(),
            )
            report = marketing.replay(console.store, trigger_id, first, last)
        except ValueError as error:  # a malformed date, a bad range, a definition the engine refuses
            return trigger_page(
                who, row, row.definition, 422, error=str(error)[:200],
                replay_from=first_text, replay_to=last_text,
            )  # fmt: skip
        return trigger_page(
            who, row, row.definition, replay=report, replay_from=first.isoformat(), replay_to=last.isoformat()
        )

    @pages.post("/marketing/triggers", include_in_schema=False)
    def create_trigger_page(request: Request, fields: FormFields) -> Response:
        who = posted(request, fields, MARKETING)
        try:
            row = marketing.save_trigger(
                console.store(), trigger_form(fields), console.clock(), actor=who.actor
            )
        except ValueError as error:
            return trigger_page(who, None, fields, 400, error=str(error))
        return RedirectResponse(f"/marketing/triggers/{row.id}?done=created", status_code=303)

    @pages.post("/marketing/triggers/{trigger_id}", include_in_schema=False)
    def change_trigger_page(
        request: Request, fields: FormFields, trigger_id: Annotated[int, FastPath(ge=1, le=2_147_483_647)]
    ) -> Response:
        who = posted(request, fields, MARKETING)
        try:
            marketing.save_trigger(
                console.store(), trigger_form(fields), console.clock(), actor=who.actor, trigger_id=trigger_id
            )
        except ValueError as error:
            return trigger_page(
                who, marketing.trigger(console.store(), trigger_id), fields, 400, error=str(error)
            )
        return RedirectResponse(f"/marketing/triggers/{trigger_id}?done=saved", status_code=303)

    @pages.post("/marketing/triggers/{trigger_id}/status", include_in_schema=False)
    def trigger_status_page(
        request: Request, fields: FormFields, trigger_id: Annotated[int, FastPath(ge=1, le=2_147_483_647)]
    ) -> Response:
        who = posted(request, fields, MARKETING)
        try:
            status = TriggerStatus(fields.get("status", ""))
            marketing.set_status(console.store(), trigger_id, status, console.clock(), actor=who.actor)
        except ValueError as error:
            row = marketing.trigger(console.store(), trigger_id)
            return trigger_page(who, row, row.definition, 400, error=str(error))
        return RedirectResponse(f"/marketing?done={status.value}", status_code=303)

    @pages.post("/marketing/triggers/{trigger_id}/test-send", include_in_schema=False)
    def test_send_page(
        request: Request, fields: FormFields, trigger_id: Annotated[int, FastPath(ge=1, le=2_147_483_647)]
    ) -> Response:
        who = posted(request, fields, MARKETING)
        row = marketing.trigger(console.store(), trigger_id)
        try:
            sent = marketing.test_send(
                console.store,
                console.senders,
                trigger_id,
                fields.get("to", ""),
                fields.get("customer", ""),
                console.clock(),
            )
        except ValueError as error:
            return trigger_page(who, row, row.definition, 400, error=f"test send: {error}")
        return trigger_page(who, row, row.definition, sent=sent)

    @pages.post("/marketing/kill-switch", include_in_schema=False)
    def kill_switch_page(request: Request, fields: FormFields) -> Response:
        who = posted(request, fields, MARKETING)
        on = fields.get("on") == "yes"
        marketing.set_kill_switch(console.store(), on, console.clock(), actor=who.actor)
        return RedirectResponse(f"/marketing?done=kill+switch+{'on' if on else 'off'}", status_code=303)

    return pages
