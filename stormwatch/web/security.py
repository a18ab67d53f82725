"""Who is asking: API tokens, session cookies, CSRF, and the permission check every route makes.

Every route gets a :class:`Principal` whose ``workspace_id`` is the only workspace it can touch;
the read models and services are always called with that id, never with one taken from the
request, which is what keeps tenants apart.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from stormwatch.auth.permissions import ROLE_ACTIONS, Action
from stormwatch.auth.service import Principal, audit, session_principal, token_principal
from stormwatch.i18n.refusal import Refusal, Term
from stormwatch.store.db import Store

SESSION_COOKIE = "stormwatch_session"
LOGIN_CSRF_COOKIE = "stormwatch_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Declared so the OpenAPI document describes both ways in; the checks themselves are below.
bearer_scheme = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer swt_…`")
cookie_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="A browser log-in")


class NotLoggedIn(Exception):
    """No valid credentials: 401 for the API, a redirect to the log-in page for pages."""


class Forbidden(Refusal):
    """The caller may not do this; said in the reader's language on pages, in English in the API."""

    @property
    def message(self) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    store: Store
    # The demo's read-only mode: visitors without a log-in see this workspace as client viewers.
    public_workspace_id: int | None = None


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def settings(request: Request) -> SecuritySettings:
    return request.app.state.security  # type: ignore[no-any-return]


def current_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Principal:
    """The caller; raises :class:`NotLoggedIn` when there is none."""
    config = settings(request)
    with config.store.session() as session:
        if bearer is not None:
            principal = token_principal(session, bearer.credentials)
            if principal is None:
                audit(session, "token.rejected", actor="anonymous", ip=client_ip(request))
        elif cookie:
            principal = session_principal(session, cookie)
        else:
            principal = None
    if principal is not None:
        return principal
    if bearer is None and config.public_workspace_id is not None:
        return Principal(
            workspace_id=config.public_workspace_id,
            actor="anonymous",
            actions=ROLE_ACTIONS["viewer"],
            role="viewer",
            locale=_preferred_locale(request),
        )
    raise NotLoggedIn()


def optional_principal(request: Request) -> Principal | None:
    try:
        return current_principal(request, _bearer_of(request), request.cookies.get(SESSION_COOKIE))
    except NotLoggedIn:
        return None


def _bearer_of(request: Request) -> HTTPAuthorizationCredentials | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return HTTPAuthorizationCredentials(scheme="Bearer", credentials=credentials)
    return None


def _preferred_locale(request: Request) -> str:
    chosen = request.cookies.get("stormwatch_lang")
    if chosen in ("en", "pl"):
        return chosen
    return "pl" if request.headers.get("accept-language", "").lower().startswith("pl") else "en"


def require(action: Action) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller, if allowed ``action`` (and, for a browser, with a valid CSRF token)."""

    async def check(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        if request.method in UNSAFE_METHODS and principal.session_id is not None:
            await _check_csrf(request, principal)
        if not principal.can(action):
            with settings(request).store.session() as session:
                audit(
                    session,
                    "access.denied",
                    actor=principal.actor,
                    workspace_id=principal.workspace_id,
                    ip=client_ip(request),
                    action=action,
                    path=request.url.path,
                )
            raise Forbidden(
                "%(role)s may not do '%(action)s'", role=Term(principal.role or "this token"), action=action
            )
        return principal

    return check


def only_workspace(workspace_id: int) -> Callable[..., Awaitable[Principal]]:
    """A dependency for routes bound to one workspace (the connectors of the served workspace file):
    readers of any other workspace get a 404, as for any other workspace's data."""

    async def check(principal: Annotated[Principal, Depends(_READER)]) -> Principal:
        if principal.workspace_id != workspace_id:
            raise HTTPException(404, "no sources in this workspace")
        return principal

    return check


# Module-level, so that the annotation above resolves (annotations are strings in this module).
_READER = require("read")


async def _check_csrf(request: Request, principal: Principal) -> None:
    """Cookie-authenticated changes must echo the session's CSRF token (header or form field)."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    expected = principal.csrf_token or ""
    if not sent or not hmac.compare_digest(sent, expected):
        with settings(request).store.session() as session:
            audit(
                session,
                "csrf.rejected",
                actor=principal.actor,
                workspace_id=principal.workspace_id,
                ip=client_ip(request),
                path=request.url.path,
            )
        raise Forbidden("missing or wrong CSRF token; reload the page")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def check_login_csrf(request: Request, sent: str) -> bool:
    """The log-in form is protected by a double-submit cookie (there is no session yet)."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(sent, expected)
