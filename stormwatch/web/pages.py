"""The HTML side: log-in, the dashboard, the crisis room and their forms (POST, then redirect back)."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from stormwatch.auth.models import LOCALES
from stormwatch.auth.service import (
    SESSION_LIFETIME,
    AuthError,
    Principal,
    login,
    logout,
    memberships,
    set_locale,
    switch_workspace,
)
from stormwatch.backlog import backlog, set_aside_mentions
from stormwatch.crisis.service import CLOSE_PROPOSED
from stormwatch.drill.marking import drill_clock, is_drill
from stormwatch.i18n.zones import workspace_zone
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.playbook.models import Playbook
from stormwatch.response import service
from stormwatch.response.lifecycle import OPEN_STATUSES
from stormwatch.response.service import acting_in
from stormwatch.store.db import Store
from stormwatch.web import actions, charts, queries
from stormwatch.web.api import RowId
from stormwatch.web.api import crisis_room as crisis_room_view
from stormwatch.web.i18n import helpers
from stormwatch.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_login_csrf,
    client_ip,
    is_https,
    new_login_csrf,
    optional_principal,
    require,
)

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
DASHBOARD_DAYS = (1, 7, 30)
VALUE_FIELD = "value_"  # the draft form's field of a placeholder is value_<name>

Viewer = Annotated[Principal, Depends(require("read"))]
Actor = Annotated[Principal, Depends(require("crises:act"))]
Manager = Annotated[Principal, Depends(require("crises:manage"))]
# What each pipeline stage that can set a mention aside is called on screen (stormwatch.live).
SET_ASIDE_STAGES = {
    "analysis": "analysis (language, sentiment, cause)",
    "detection": "crisis detection",
    "store": "storing",
}
# The moves the crisis room offers from each status (the lifecycle allows a few more, via the API).
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "acknowledged": ("responding", "monitoring", "resolved"),
    "responding": ("monitoring", "resolved"),
    "monitoring": ("responding", "resolved"),
}


def build_pages(store: Store, library: PlaybookLibrary) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    def render(
        request: Request, name: str, principal: Principal | None, context: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        locale = principal.locale if principal else _visitor_locale(request)
        workspaces: list[dict[str, Any]] = []
        with store.session() as session:
            if principal is not None:
                if principal.user_id is not None:
                    workspaces = [
                        {"id": w.id, "name": w.name} for w, _ in memberships(session, principal.user_id)
                    ]
                else:
                    workspaces = [queries.workspace(session, principal.workspace_id)]
            zone = context.get("zone") or (
                workspace_zone(session, principal.workspace_id) if principal is not None else ZoneInfo("UTC")
            )
            banner = principal is not None and is_drill(session, principal.workspace_id)
            clock = drill_clock(session, principal.workspace_id) if banner and principal else None
        base = helpers(locale, zone, context.get("plan")) | {
            "principal": principal,
            "workspaces": workspaces,
            "drill_banner": banner,  # every page of a drill's workspace says it is a drill
            "drill_clock": clock,  # its countdowns run on the drill's clock
        }
        return TEMPLATES.TemplateResponse(request, name, base | context, status_code=status)

    def login_form(request: Request, target: str, error: str | None, status: int = 200) -> HTMLResponse:
        token = new_login_csrf()
        context = {"next": target, "error": error, "login_csrf": token}
        response = render(request, "login.html", None, context, status)
        response.set_cookie(
            LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=is_https(request), max_age=3600
        )
        return response

    @pages.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return login_form(request, _safe_next(next), None)

    @pages.post("/login")
    def login_submit(
        request: Request,
        email: Annotated[str, Form(max_length=320)],
        password: Annotated[str, Form(max_length=1000)],
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        target = _safe_next(next)
        if not check_login_csrf(request, csrf_token):
            return login_form(request, target, "The form expired; please try again.", 403)
        outcome = login(store, email, password, client_ip(request))
        if outcome.throttled:
            response = login_form(
                request, target, "Too many failed log-ins; wait a few minutes and try again.", 429
            )
            response.headers["Retry-After"] = "900"
            return response
        if outcome.secret is None:
            return login_form(request, target, "Wrong e-mail or password.", 401)
        redirect = RedirectResponse(target, status_code=303)
        redirect.set_cookie(
            SESSION_COOKIE,
            outcome.secret,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",  # lax: links from e-mail alerts into the crisis room keep working
            secure=is_https(request),
        )
        redirect.delete_cookie(LOGIN_CSRF_COOKIE)
        return redirect

    @pages.post("/logout")
    def logout_submit(request: Request, principal: Viewer) -> Response:
        with store.session() as session:
            logout(session, principal, client_ip(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @pages.post("/preferences/language")
    def choose_language(
        request: Request,
        language: Annotated[str, Form()],
        back: Annotated[str, Form()] = "/",
        csrf_token: Annotated[str, Form()] = "",
    ) -> Response:
        """Logged-in users keep the choice with their account; demo visitors in a cookie."""
        if language not in LOCALES:
            raise HTTPException(422, f"unknown language {language!r}")
        principal = optional_principal(request)
        response = RedirectResponse(_safe_next(back), status_code=303)
        if principal is not None and principal.user_id is not None:
            # A change to the account: it needs the session's CSRF token like any other change.
            if not hmac.compare_digest(csrf_token, principal.csrf_token or ""):
                raise HTTPException(403, "missing or wrong CSRF token; reload the page")
            with store.session() as session:
                set_locale(session, principal.user_id, language)
            return response
        response.set_cookie(
            "stormwatch_lang", language, samesite="lax", secure=is_https(request), max_age=365 * 86400
        )
        return response

    @pages.post("/workspace")
    def choose_workspace(
        request: Request, principal: Viewer, workspace_id: Annotated[int, Form(ge=1, le=2**63 - 1)]
    ) -> Response:
        try:
            with store.session() as session:
                switch_workspace(session, principal, workspace_id, client_ip(request))
        except AuthError as error:
            raise HTTPException(403, error.said_in(principal.locale)) from error
        return RedirectResponse("/", status_code=303)

    @pages.get("/", response_class=HTMLResponse)
    def dashboard(
        request: Request,
        principal: Viewer,
        brand: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
        days: Annotated[int, Query(ge=1, le=92)] = 7,
    ) -> HTMLResponse:
        with store.session() as session:
            brands = queries.brand_overview(session, principal.workspace_id)
            chosen = next((b for b in brands if b["id"] == brand), brands[0] if brands else None)
            context = {
                "brands": brands,
                "brand": chosen,
                "days": days,
                "day_choices": DASHBOARD_DAYS,
                "figures": charts.brand_figures(session, chosen["id"], days) if chosen else None,
                "crises": queries.crises(session, principal.workspace_id),
                "mentions": queries.latest_mentions(
                    session, principal.workspace_id, limit=30, brand_id=chosen["id"] if chosen else None
                ),
                "backlog": backlog(session, principal.workspace_id)[0],
            }
        return render(request, "dashboard.html", principal, context)

    @pages.get("/fragments/response-times", response_class=HTMLResponse)
    def response_times_fragment(
        request: Request,
        principal: Viewer,
        brand: Annotated[int, Query(ge=1, le=2**63 - 1)],
        days: Annotated[int, Query(ge=1, le=92)] = 7,
    ) -> HTMLResponse:
        """Loaded after the dashboard (it reads every post of the period, not the hourly counts)."""
        with store.session() as session:
            name = next(
                (
                    b["name"]
                    for b in queries.brand_overview(session, principal.workspace_id)
                    if b["id"] == brand
                ),
                None,
            )
            until = queries.latest_mention_at(session, principal.workspace_id)
        if name is None:
            raise HTTPException(404, "no such brand in this workspace")
        figures = actions.response_times(store, principal.workspace_id, name, days, until)
        context = {
            "stats": figures["brands"].get(name),
            "sla": figures["sla_minutes"].get(name),
            "people": figures["people"],
        }
        return render(request, "_response_times.html", principal, context)

    @pages.get("/failed-mentions", response_class=HTMLResponse)
    def failed_mentions(request: Request, principal: Viewer) -> HTMLResponse:
        """The mentions the pipeline set aside, in the reader's language (the API has them as JSON)."""
        with store.session() as session:
            items = set_aside_mentions(session, principal.workspace_id, 200)
        return render(request, "failed.html", principal, {"items": items, "stages": SET_ASIDE_STAGES})

    @pages.get("/fragments/crises", response_class=HTMLResponse)
    def crises_fragment(request: Request, principal: Viewer) -> HTMLResponse:
        with store.session() as session:
            context = {"crises": queries.crises(session, principal.workspace_id)}
        return render(request, "_crises.html", principal, context)

    @pages.get("/crises/{key}", response_class=HTMLResponse)
    def crisis_room(request: Request, principal: Viewer, key: str) -> HTMLResponse:
        return render(request, "crisis.html", principal, _room(principal, key))

    @pages.get("/fragments/crises/{key}", response_class=HTMLResponse)
    def crisis_fragment(request: Request, principal: Viewer, key: str) -> HTMLResponse:
        return render(request, "_crisis_live.html", principal, _room(principal, key))

    @pages.post("/crises/{key}/acknowledge")
    def acknowledge(principal: Actor, key: str) -> Response:
        return _crisis_action(principal, key, lambda: actions.acknowledge(store, principal, key))

    @pages.post("/crises/{key}/notes")
    def add_note(
        principal: Actor, key: str, text: Annotated[str, Form(min_length=1, max_length=5000)]
    ) -> Response:
        return _crisis_action(principal, key, lambda: actions.add_note(store, principal, key, text))

    @pages.post("/crises/{key}/steps/{step_id}/done")
    def complete_step(principal: Actor, key: str, step_id: str) -> Response:
        return _crisis_action(principal, key, lambda: actions.complete_step(store, principal, key, step_id))

    @pages.post("/crises/{key}/assignments")
    def assign(
        principal: Manager,
        key: str,
        role: Annotated[str, Form(min_length=1, max_length=60)],
        person: Annotated[str, Form(min_length=1, max_length=200)],
    ) -> Response:
        return _crisis_action(principal, key, lambda: actions.assign(store, principal, key, role, person))

    @pages.post("/crises/{key}/status")
    def set_status(principal: Manager, key: str, status: Annotated[str, Form(max_length=30)]) -> Response:
        return _crisis_action(principal, key, lambda: actions.set_status(store, principal, key, status))

    @pages.get("/fragments/crises/{key}/draft-form", response_class=HTMLResponse)
    def draft_form(
        request: Request,
        principal: Actor,
        key: str,
        template: Annotated[str, Query(min_length=1, max_length=60)] = "holding_statement",
        lang: Annotated[str, Query(pattern="^(en|pl)$")] = "en",
    ) -> HTMLResponse:
        """The chosen template's text, a field per placeholder (filled where Stormwatch knows the
        value) and a preview; swapped into the draft form when the template or language changes."""
        _room(principal, key)  # 404 unless the crisis is the caller's workspace's
        try:
            form = actions.template_form(store, key, template, lang)
        except actions.ActionError as error:
            raise HTTPException(422, error.said_in(principal.locale)) from error
        return render(request, "_draft_fields.html", principal, {"form": form})

    @pages.post("/crises/{key}/drafts")
    async def new_draft(
        request: Request,
        principal: Actor,
        key: str,
        template: Annotated[str, Form(min_length=1, max_length=60)],
        lang: Annotated[str, Form(pattern="^(en|pl)$")] = "en",
        text: Annotated[str, Form(max_length=10000)] = "",
    ) -> Response:
        submitted = await request.form()
        values = {
            name.removeprefix(VALUE_FIELD): str(value)[:2000]
            for name, value in submitted.items()
            if name.startswith(VALUE_FIELD) and isinstance(value, str)
        }
        return _crisis_action(
            principal, key, lambda: actions.draft(store, principal, key, template, lang, text or None, values)
        )

    @pages.post("/crises/{key}/merge")
    def merge(
        principal: Manager, key: str, into: Annotated[str, Form(min_length=1, max_length=200)]
    ) -> Response:
        with store.session() as session:
            if queries.find_crisis(session, principal.workspace_id, into) is None:
                raise HTTPException(404, "no such crisis in this workspace")
        return _crisis_action(principal, key, lambda: actions.merge(store, principal, key, into), then=into)

    @pages.post("/crises/{key}/split")
    def split(
        principal: Manager,
        key: str,
        reason: Annotated[str, Form(min_length=1, max_length=2000)],
        signal: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    ) -> Response:
        made: list[str] = []
        response = _crisis_action(
            principal, key, lambda: made.append(actions.split(store, principal, key, signal, reason, library))
        )
        return RedirectResponse(f"/crises/{quote(made[0])}", status_code=303) if made else response

    @pages.post("/crises/{key}/review")
    def write_review(
        principal: Manager,
        key: str,
        what_worked: Annotated[str, Form(max_length=5000)] = "",
        what_to_improve: Annotated[str, Form(max_length=5000)] = "",
        lessons: Annotated[str, Form(max_length=5000)] = "",
    ) -> Response:
        lines = [line.strip() for line in lessons.splitlines() if line.strip()]
        return _crisis_action(
            principal,
            key,
            lambda: actions.write_review(store, principal, key, what_worked, what_to_improve, lines),
        )

    @pages.post("/drafts/{draft_id}/approve")
    def approve(principal: Manager, draft_id: RowId) -> Response:
        key = _draft_key(principal, draft_id)
        return _crisis_action(principal, key, lambda: actions.approve(store, principal, draft_id))

    @pages.post("/drafts/{draft_id}/reject")
    def reject(
        principal: Manager, draft_id: RowId, note: Annotated[str, Form(min_length=1, max_length=5000)]
    ) -> Response:
        key = _draft_key(principal, draft_id)
        return _crisis_action(principal, key, lambda: actions.reject(store, principal, draft_id, note))

    def _room(principal: Principal, key: str) -> dict[str, Any]:
        crisis = crisis_room_view(store, principal, key)
        with store.session() as session, acting_in(principal.workspace_id):  # keys are per workspace
            stored = service.get_crisis(session, key)
            plan = service.plan_of(session, stored)
            brand = service.brand_of(session, stored)
            zone = workspace_zone(session, principal.workspace_id, brand)
        is_open = crisis["status"] in OPEN_STATUSES
        return {
            "crisis": crisis,
            "plan": plan,
            "zone": zone,
            "is_open": is_open,
            "templates": sorted(plan.templates) if plan else [],
            "roles": sorted(plan.roles) if plan else [],
            "statuses": NEXT_STATUSES.get(crisis["status"], ()),
            "close_proposed": is_open and _close_proposed(crisis["timeline"]),
            "signals": actions.signals_of(store, key) if is_open else [],
            "merge_targets": actions.merge_targets(store, key) if is_open else [],
            "draft_form": _first_draft_form(principal, key, plan, brand.languages)
            if is_open and plan
            else None,
        }

    def _first_draft_form(
        principal: Principal, key: str, plan: Playbook, languages: list[str] | None
    ) -> dict[str, Any] | None:
        """The form opens on the holding statement (the first text of most playbooks), in the brand's
        language when it has one, else the reader's."""
        if not principal.can("crises:act") or not plan.templates:
            return None
        template = "holding_statement" if "holding_statement" in plan.templates else sorted(plan.templates)[0]
        lang = languages[0] if languages and len(languages) == 1 else principal.locale
        try:
            return actions.template_form(store, key, template, lang if lang in ("en", "pl") else "en")
        except actions.ActionError:
            return None

    def _draft_key(principal: Principal, draft_id: int) -> str:
        key = actions.crisis_of_draft(store, principal.workspace_id, draft_id)
        if key is None:
            raise HTTPException(404, "no such draft in this workspace")
        return key

    def _crisis_action(principal: Principal, key: str, action: Any, then: str | None = None) -> Response:
        with store.session() as session:
            if queries.find_crisis(session, principal.workspace_id, key) is None:
                raise HTTPException(404, "no such crisis in this workspace")
        try:
            with acting_in(principal.workspace_id):
                action()
        except actions.ActionError as error:
            flash = quote(error.said_in(principal.locale))
            return RedirectResponse(f"/crises/{quote(key)}?problem={flash}", status_code=303)
        return RedirectResponse(f"/crises/{quote(then or key)}", status_code=303)

    return pages


def _close_proposed(timeline: list[dict[str, Any]]) -> bool:
    """Whether the detector's last word on the crisis is a proposal to close it."""
    detector = [e for e in timeline if e["kind"] in ("opened", "escalated", "deescalated", CLOSE_PROPOSED)]
    return bool(detector) and detector[-1]["kind"] == CLOSE_PROPOSED


def _visitor_locale(request: Request) -> str:
    chosen = request.cookies.get("stormwatch_lang")
    if chosen in LOCALES:
        return str(chosen)
    return "pl" if request.headers.get("accept-language", "").lower().startswith("pl") else "en"


def _safe_next(target: str) -> str:
    """Only paths on this site: an open redirect after log-in would help phishing."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"
