"""Browser tests: the app on a real threaded HTTP server, driven by headless Debian Chromium.

Playwright drives the system's /usr/bin/chromium (never a downloaded browser). The server, the
Playwright driver and the browser are started once per module and always stopped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from tests.support import PASSWORD
from workshop.pdf.typeset import warm_up

# How long an action, a navigation or an expect() waits, sized for a loaded 2-core machine
# (two test suites side by side, other work): chains such as camera -> frame -> server decode
# -> DOM, roster or service-worker readiness, and offline sync take seconds there, not the 5 s
# Playwright's expect() allows by default. A passing check returns as soon as it holds.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)

CHROMIUM = os.environ.get("WORKSHOP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# One folder per database, as `make test` runs the SQLite and PostgreSQL suites side by side.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2]
    / "test-output"
    / "e2e"
    / ("postgresql" if os.environ.get("WORKSHOP_TEST_DATABASE_URL") else "sqlite")
)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "th-TH",
    "timezone_id": "Asia/Bangkok",
}


@pytest.fixture(scope="module")
def live_server(app) -> Iterator[str]:
    """The session's test app on a threaded WSGI server on a free loopback port, with the Thai
    word list and fonts loaded first, as wsgi.py loads them in production (under load, the
    first PDF otherwise spent many seconds on them)."""
    warm_up()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def playwright() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="module")
def launch(playwright) -> Callable:
    """``with launch(*extra_args) as browser``: a headless Chromium that is always closed."""

    @contextmanager
    def launcher(*extra: str):
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra]
        )
        try:
            yield browser
        finally:
            browser.close()

    return launcher


@pytest.fixture(scope="module")
def browser(launch) -> Iterator:
    with launch() as chromium:
        yield chromium


def watch_csp(context) -> list[str]:
    """Collect the Content-Security-Policy violations of every page opened in ``context``
    (Chromium reports them on the console as "Refused to ... Content Security Policy")."""
    violations: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.type}: {message.text}")

    def on_page(page) -> None:
        page.on("console", on_console)

    context.on("page", on_page)
    return violations


@pytest.fixture
def phone(browser) -> Iterator:
    """A fresh phone-sized browser profile (its own cookies, storage and service worker).

    Any CSP violation on its pages fails the test."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    violations = watch_csp(context)
    try:
        yield context
    finally:
        context.close()
    assert violations == [], "Content-Security-Policy violations"


@pytest.fixture
def shoot() -> Callable:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def screenshot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return screenshot


def sign_in(page, base: str, user) -> None:
    """Through the real sign-in page, as a person would."""
    page.goto(f"{base}/auth/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)
