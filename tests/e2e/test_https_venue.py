"""The door scanner through deploy/Caddyfile over HTTPS, as at a venue: a phone reaches the app by
a LAN name (not localhost, which browsers treat as secure even over http), trusts the venue's
own certificate authority, and gets a secure context, a service worker and the camera."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e import test_door_scanner
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TIMEOUT_MS, watch_csp
from tests.e2e.test_door_scanner import checkins, open_scanner, write_y4m
from workshop.services.tickets import ticket_token

pytestmark = pytest.mark.e2e

CADDYFILE = Path(__file__).resolve().parents[2] / "deploy" / "Caddyfile"
VENUE_HOST = "workshop.venue.test"
door = test_door_scanner.door  # the same workshop running now, shared as a fixture


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def trusting_home(root: Path, folder: Path) -> Path:
    """A home folder whose NSS database (what Chromium on Linux trusts beyond the system store)
    trusts ``root`` as a CA: a phone that installed workshop-root.crt."""
    nssdb = folder / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    certutil = ["certutil", "-d", f"sql:{nssdb}"]
    subprocess.run([*certutil, "-N", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        [*certutil, "-A", "-t", "C,,", "-n", "Workshop venue CA", "-i", str(root)],
        check=True,
        capture_output=True,
    )
    return folder


def plain_http(port: int, path: str) -> http.client.HTTPResponse:
    """GET on the plain-http port, addressed by the venue name as a phone would."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Host": f"{VENUE_HOST}:{port}"})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


@pytest.fixture(scope="module")
def caddy(live_server, tmp_path_factory) -> Iterator[dict]:
    """deploy/Caddyfile in front of the test server, with its own CA in a temporary folder."""
    if shutil.which("caddy") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("caddy is not installed, and CI=true needs it (make system-deps)")
        pytest.skip("caddy is not installed")
    data = tmp_path_factory.mktemp("caddy")
    https_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "WORKSHOP_CADDY_SITES": f"https://{VENUE_HOST}:{https_port}",
        "WORKSHOP_CADDY_HTTPS_PORT": str(https_port),
        "WORKSHOP_CADDY_HTTP_PORT": str(http_port),
        "WORKSHOP_CADDY_DATA": str(data),
        "WORKSHOP_APP_ADDRESS": urlsplit(live_server).netloc,
        "XDG_DATA_HOME": str(data),
        "XDG_CONFIG_HOME": str(data),
    }
    process = subprocess.Popen(
        ["caddy", "run", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    root = data / "pki" / "authorities" / "local" / "root.crt"
    try:
        wait_until(
            lambda: process.poll() is not None or (root.exists() and accepts(https_port)),
            "Caddy to listen",
        )
        if process.poll() is not None:
            raise AssertionError(f"caddy exited: {process.stderr.read().decode()[-2000:]}")
        yield {
            "base": f"https://{VENUE_HOST}:{https_port}",
            "http_port": http_port,
            "root": root,
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_scanner_over_https_is_a_secure_context_with_service_worker_and_camera(
    playwright,
    caddy,
    staff,
    door,
    tmp_path,
    shoot,
):
    for tool in ("certutil",):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: libnss3-tools)")
    workshop, session, confirmed, _waiting = door
    video = tmp_path / "ticket.y4m"
    write_y4m(video, ticket_token(confirmed))
    browser_args = [
        *CHROMIUM_ARGS,
        f"--host-resolver-rules=MAP {VENUE_HOST} 127.0.0.1",  # the LAN name is this machine
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    home = trusting_home(caddy["root"], tmp_path / "home")
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=browser_args,
        env={**os.environ, "HOME": str(home)},
    )
    try:
        context = chromium.new_context(**PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        violations = watch_csp(context)
        try:
            page = context.new_page()
            open_scanner(page, caddy["base"], staff, workshop, session, offline_ready=True)
            assert page.url.startswith(caddy["base"])
            assert page.evaluate("window.isSecureContext") is True
            assert page.evaluate("typeof crypto.subtle.digest") == "function"
            # data-offline-ready is set once the service worker controls the page's scope.
            registered = page.evaluate(
                "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))"
            )
            assert registered is True
            expect(page.locator("#result")).to_have_attribute("data-state", "checked_in")
            expect(page.locator("#result-name")).to_have_text(confirmed.user.full_name)
            # Decoded on the phone (its own detector, or the vendored polyfill's wasm).
            decoder = page.locator("#scanner").get_attribute("data-decoder")
            assert decoder in ("native", "polyfill")
            shoot(page, "https-camera-checked-in")

        finally:
            context.close()
    finally:
        chromium.close()
    assert violations == [], "Content-Security-Policy violations"
    rows = checkins()
    assert [(r.registration_id, r.method) for r in rows] == [(confirmed.id, "qr")]


def test_plain_http_hands_out_the_root_certificate_and_redirects_the_rest(caddy):
    certificate = plain_http(caddy["http_port"], "/workshop-root.crt")
    assert certificate.status == 200
    assert certificate.headers["Content-Type"] == "application/x-x509-ca-cert"
    assert certificate.body == caddy["root"].read_bytes()
    moved = plain_http(caddy["http_port"], "/checkin?x=1")
    assert moved.status in (301, 302, 308)
    assert moved.headers["Location"] == f"{caddy['base']}/checkin?x=1"
