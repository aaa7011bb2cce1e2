"""Browser fixtures: the app on the demo district, served on 127.0.0.1, and one headless Chromium.

- `live_server` (session): `create_app()` on a fresh demo database, served by uvicorn in a thread;
  tests may add routes to `live_server.app` (use paths under /_test/ for test-only pages).
- `browser` (session): a `harness.Browser` (headless Chromium, system chromedriver).
- `open_page` (session): `open_page("/maps/coverage", name=...) -> PageReport` against `live_server`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from api.app import create_app
from geo.settings import DatabaseSettings
from tests.api.clients import ensure_accounts, token
from tests.browser.harness import Browser, LiveServer, PageReport, serve_app


@pytest.fixture(scope="session")
def browser_database_url(make_demo_database) -> str:
    """A database holding the demo district, for the app the browser tests load pages from."""
    return make_demo_database("browser")


@pytest.fixture(scope="session")
def live_server(browser_database_url: str) -> Iterator[LiveServer]:
    """The real app on the demo database (with the test accounts), served on 127.0.0.1 and a free port."""
    ensure_accounts(browser_database_url)
    app = create_app(DatabaseSettings(url=browser_database_url))
    with serve_app(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session."""
    chromium = Browser()
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="session")
def open_page(live_server: LiveServer, browser: Browser) -> Callable[..., PageReport]:
    """Load a path of the live app in the browser: `open_page(path, name=None, ready_js=..., timeout_s=...)`.

    The browser signs in first, through the login page, as the test viewer (maps need a signed-in user).
    """
    login = browser.open_page(live_server.url("/login?next=/"), name="login", ready_js="return !!document.forms[0]")
    login.js("const f = document.forms[0]; f.username.value = arguments[0]; f.password.value = arguments[1]; "
             "f.submit();", token("viewer"), f"{token('viewer')}-password")
    wait = time.monotonic() + 10
    while "/login" in browser.driver.current_url and time.monotonic() < wait:
        time.sleep(0.05)
    assert "/login" not in browser.driver.current_url, "the test viewer could not sign in"

    def open_(path: str, **kwargs) -> PageReport:
        return browser.open_page(live_server.url(path), **kwargs)

    return open_
