"""Log-in, sessions, CSRF, roles, token scopes, throttling and the audit log, through HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from stormwatch.auth.models import AuditEvent, User
from stormwatch.auth.throttle import MAX_FAILED_PER_ACCOUNT_AND_ADDRESS as MAX_FAILED_PER_EMAIL
from tests.web.conftest import Site, csrf_of
from tests.web.world import PASSWORD


def _audit_kinds(site: Site) -> list[str]:
    with site.store.session() as session:
        return list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))


def test_passwords_are_stored_as_argon2_hashes(site: Site) -> None:
    with site.store.session() as session:
        hashes = list(session.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_nothing_is_served_without_credentials(site: Site) -> None:
    with site.client() as client:
        for path in ("/api/brands", "/api/mentions", "/api/crises", "/api/me", "/api/audit"):
            assert client.get(path).status_code == 401, path
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert client.get("/api/brands", headers={"Authorization": "Bearer swt_forged"}).status_code == 401
        assert client.get("/static/vendor/htmx.min.js").status_code == 200  # assets need no log-in


def _session_cookie_over_https(site: Site) -> str:
    tenant = site.tenants["acme"]
    with site.client() as client:
        csrf = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        answer = client.post(
            "/login",
            data={"email": tenant.users["viewer"], "password": PASSWORD, "csrf_token": csrf},
            headers={"X-Forwarded-Proto": "https"},  # as behind a TLS-terminating proxy
        )
    assert answer.status_code == 303
    return answer.headers["set-cookie"].lower()


def test_session_cookie_is_httponly_samesite_and_secure_over_https(proxied_site: Site) -> None:
    cookie = _session_cookie_over_https(proxied_site)
    assert "stormwatch_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" in cookie
    with proxied_site.browser(proxied_site.tenants["acme"].users["viewer"]) as plain:
        assert plain.cookies.get("stormwatch_session")


def test_a_client_that_is_not_a_trusted_proxy_cannot_claim_https(site: Site) -> None:
    assert "secure" not in _session_cookie_over_https(site)


def test_login_form_needs_its_csrf_cookie(site: Site) -> None:
    tenant = site.tenants["acme"]
    with site.client() as client:
        answer = client.post(
            "/login", data={"email": tenant.users["viewer"], "password": PASSWORD, "csrf_token": "x"}
        )
    assert answer.status_code == 403 and "stormwatch_session" not in answer.headers.get("set-cookie", "")


def test_changes_from_a_browser_need_the_csrf_token(site: Site) -> None:
    tenant = site.tenants["acme"]
    with site.browser(tenant.users["analyst"]) as client:
        url = f"/api/crises/{tenant.crisis_key}/notes"
        refused = client.post(url, json={"text": "no token"})
        assert refused.status_code == 403 and "CSRF" in refused.text
        accepted = client.post(url, json={"text": "with token"}, headers={"X-CSRF-Token": csrf_of(client)})
        assert accepted.status_code == 200, accepted.text
        form = client.post(f"/crises/{tenant.crisis_key}/notes", data={"text": "form, no token"})
        assert form.status_code == 403
    assert "csrf.rejected" in _audit_kinds(site)


def test_roles_limit_what_people_may_do(site: Site) -> None:
    tenant = site.tenants["acme"]
    mention = {
        "id": "role-test",
        "text": "hello",
        "created_at": "2026-03-02T10:00:00Z",
        "brand": "Shared Brand",
    }
    with site.browser(tenant.users["viewer"]) as viewer:
        csrf = {"X-CSRF-Token": csrf_of(viewer)}
        assert viewer.get("/api/crises").status_code == 200
        assert (
            viewer.post(
                f"/api/crises/{tenant.crisis_key}/notes", json={"text": "x"}, headers=csrf
            ).status_code
            == 403
        )
        assert viewer.post("/api/mentions", json=mention, headers=csrf).status_code == 403
        assert 'data-testid="acknowledge"' not in viewer.get(f"/crises/{tenant.crisis_key}").text
    with site.browser(tenant.users["analyst"]) as analyst:
        csrf = {"X-CSRF-Token": csrf_of(analyst)}
        assert analyst.post(f"/api/drafts/{tenant.draft_id}/approve", headers=csrf).status_code == 403
        assert analyst.get("/api/tokens").status_code == 403
        assert analyst.get("/api/audit").status_code == 403
    with site.browser(tenant.users["manager"]) as manager:
        assert manager.get("/api/tokens").status_code == 403
    with site.browser(tenant.users["admin"]) as admin:
        assert admin.get("/api/audit").status_code == 200
    assert "access.denied" in _audit_kinds(site)


def test_token_scopes_and_revocation(site: Site) -> None:
    tenant = site.tenants["acme"]
    mention = {
        "id": "scope-test",
        "text": "hello",
        "created_at": "2026-03-02T10:00:00Z",
        "brand": "Shared Brand",
    }
    with site.client(tenant.tokens["read"]) as reader:
        assert reader.get("/api/mentions").status_code == 200
        assert reader.post("/api/mentions", json=mention).status_code == 403
        assert reader.get("/api/tokens").status_code == 403
    with site.client(tenant.tokens["all"]) as admin:
        created = admin.post("/api/tokens", json={"name": "ci export", "scopes": ["read", "mentions:write"]})
        assert created.status_code == 201
        secret, token_id = created.json()["token"], created.json()["id"]
        assert secret not in admin.get("/api/tokens").text
        assert admin.post("/api/tokens", json={"name": "bad", "scopes": ["root"]}).status_code == 422
        with site.client(secret) as fresh:
            assert fresh.post("/api/mentions", json=mention).status_code == 202
            assert admin.delete(f"/api/tokens/{token_id}").status_code == 204
            assert fresh.get("/api/mentions").status_code == 401
    kinds = _audit_kinds(site)
    assert {"token.created", "token.revoked", "token.rejected"} <= set(kinds)


def test_logout_ends_the_session(site: Site) -> None:
    tenant = site.tenants["acme"]
    with site.browser(tenant.users["analyst"]) as client:
        cookie = client.cookies["stormwatch_session"]
        assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 303
    with site.client() as replay:
        replay.cookies.set("stormwatch_session", cookie)
        assert replay.get("/api/me").status_code == 401


def test_login_is_throttled_after_repeated_failures(fresh_site: Site) -> None:
    site = fresh_site
    email = site.tenants["acme"].users["manager"]
    with site.client() as client:

        def attempt(password: str) -> int:
            csrf = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
            form = {"email": email, "password": password, "csrf_token": csrf}
            return client.post("/login", data=form).status_code

        assert [attempt("wrong password!") for _ in range(MAX_FAILED_PER_EMAIL)] == [
            401
        ] * MAX_FAILED_PER_EMAIL
        assert attempt(PASSWORD) == 429  # even the right password waits now
        other = site.tenants["acme"].users["viewer"]
        csrf = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        ok = client.post("/login", data={"email": other, "password": PASSWORD, "csrf_token": csrf})
        assert ok.status_code == 303  # other accounts are not locked out
    kinds = _audit_kinds(site)
    assert kinds.count("login.failed") == MAX_FAILED_PER_EMAIL and "login.throttled" in kinds
    assert "login.succeeded" in kinds


def test_open_redirect_after_login_is_refused(site: Site) -> None:
    tenant = site.tenants["acme"]
    with site.client() as client:
        csrf = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {
            "email": tenant.users["viewer"],
            "password": PASSWORD,
            "csrf_token": csrf,
            "next": "//evil.example/",
        }
        assert client.post("/login", data=form).headers["location"] == "/"


def test_pages_carry_security_headers(site: Site) -> None:
    with site.browser(site.tenants["acme"].users["viewer"]) as client:
        page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def _failed_login(client: httpx.Client, email: str, headers: dict[str, str] | None = None) -> int:
    csrf = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"email": email, "password": "not the password", "csrf_token": csrf}
    return client.post("/login", data=form, headers=headers or {}).status_code


def _failure_addresses(site: Site) -> list[str | None]:
    with site.store.session() as session:
        return list(
            session.scalars(
                select(AuditEvent.ip).where(AuditEvent.kind == "login.failed").order_by(AuditEvent.id)
            )
        )


def test_forwarded_addresses_from_an_untrusted_client_are_ignored(fresh_site: Site) -> None:
    """Without trusted proxies, X-Forwarded-For (and Forwarded) cannot pick the address the
    throttle and the audit log see, so rotating it does not escape the throttle."""
    email = fresh_site.tenants["acme"].users["manager"]
    with fresh_site.client() as client:
        answers = [
            _failed_login(
                client, email, {"X-Forwarded-For": f"203.0.113.{n}", "Forwarded": f"for=198.51.100.{n}"}
            )
            for n in range(MAX_FAILED_PER_EMAIL + 1)
        ]
    assert answers == [401] * MAX_FAILED_PER_EMAIL + [429]
    assert set(_failure_addresses(fresh_site)) == {"127.0.0.1"}


def test_a_trusted_proxy_says_which_client_it_carries(proxied_site: Site) -> None:
    """Behind the proxy, each client has its own count: one guesser does not lock the owner out."""
    tenant = proxied_site.tenants["acme"]
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    with proxied_site.client() as client:
        answers = [
            _failed_login(client, tenant.users["manager"], attacker) for _ in range(MAX_FAILED_PER_EMAIL + 1)
        ]
        csrf = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"email": tenant.users["manager"], "password": PASSWORD, "csrf_token": csrf}
        owner = client.post("/login", data=form, headers={"X-Forwarded-For": "198.51.100.20"})
    assert answers == [401] * MAX_FAILED_PER_EMAIL + [429]
    assert owner.status_code == 303  # the right password, from the owner's own address
    assert set(_failure_addresses(proxied_site)) == {"203.0.113.66"}
