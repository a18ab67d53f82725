"""A real server over a store with two tenants, reached through HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.web.server import BackgroundServer
from tests.web.world import PASSWORD, Tenant, build_world, free_port


@dataclass
class Site:
    url: str
    store: Store
    tenants: dict[str, Tenant]
    server: BackgroundServer

    def client(self, token: str | None = None, timeout: httpx.Timeout | float = 10) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    @contextmanager
    def browser(self, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
        """A client logged in through the log-in form, as a browser would be."""
        with self.client() as client:
            page = client.get("/login")
            csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            form = {"email": email, "password": password, "csrf_token": csrf, "next": "/"}
            answer = client.post("/login", data=form)
            assert answer.status_code == 303, answer.text
            yield client


def csrf_of(client: httpx.Client) -> str:
    page = client.get("/")
    return page.text.split('"X-CSRF-Token": "')[1].split('"')[0]


def _start(tmp_path: Path, trusted_proxies: tuple[str, ...] = ()) -> Iterator[Site]:
    store = Store.open(f"sqlite:///{tmp_path / 'web.db'}")
    tenants = build_world(store)
    app = create_app(store, trusted_proxies=trusted_proxies)
    server = BackgroundServer(app, "127.0.0.1", free_port())
    server.start()
    yield Site(server.url, store, tenants, server)
    server.stop()
    store.engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Shared by a module's tests: they must not depend on each other's changes."""
    yield from _start(tmp_path_factory.mktemp("site"))


@pytest.fixture
def fresh_site(tmp_path: Path) -> Iterator[Site]:
    """A site of its own, for tests that change state (log-in throttling, acknowledging)."""
    yield from _start(tmp_path)


@pytest.fixture
def proxied_site(tmp_path: Path) -> Iterator[Site]:
    """A site behind a reverse proxy on 127.0.0.1 (the tests' own address), which it trusts."""
    yield from _start(tmp_path, trusted_proxies=("127.0.0.1",))
