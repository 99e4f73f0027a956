"""Smoke test of the deployment recipe (deploy/): the unit's own gunicorn command with
deploy/gunicorn.conf.py and the example environment, behind deploy/Caddyfile.server over HTTPS,
then a person signs in through them."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support import csrf_token_from

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE = "workshop.recipe.test"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unit_setting(unit: str, key: str) -> str:
    text = (DEPLOY / "systemd" / unit).read_text()
    match = re.search(rf"^{key}=(.+)$", text, re.MULTILINE)
    assert match, f"{unit} has no {key}"
    return match.group(1)


def recipe_environment(tmp: Path, https_port: int) -> dict[str, str]:
    """deploy/workshop.env.example, with this machine's database, Redis and folders."""
    env = {
        key: value
        for line in (DEPLOY / "workshop.env.example").read_text().splitlines()
        if line and not line.startswith("#")
        for key, _, value in [line.partition("=")]
    }
    assert {"WORKSHOP_SECRET_KEY", "WORKSHOP_DATABASE_URL", "WORKSHOP_REDIS_URL"} <= set(env)
    env.update(
        WORKSHOP_SECRET_KEY=secrets.token_hex(32),
        WORKSHOP_DATABASE_URL=f"sqlite:///{tmp / 'recipe.db'}",
        WORKSHOP_REDIS_URL=os.environ.get("WORKSHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/5"),
        WORKSHOP_BASE_URL=f"https://{SITE}:{https_port}",
        WORKSHOP_INSTANCE_PATH=str(tmp / "instance"),
        WORKSHOP_BACKUP_DIR=str(tmp / "backups"),
        WORKSHOP_MAIL_SERVER="",  # the outbox folder instead of a real server
        WORKSHOP_PASSWORD_HASH_METHOD="pbkdf2:sha256:1",
    )
    return {**os.environ, **env}


def command_of(unit: str, key: str = "ExecStart") -> list[str]:
    """The unit's command, with /srv/workshop's virtualenv replaced by this one."""
    words = shlex.split(unit_setting(unit, key))
    return [w.replace("/srv/workshop/.venv/bin", str(VENV_BIN)) for w in words]


def wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port}")


@pytest.fixture
def recipe(tmp_path) -> Iterator[dict]:
    missing = [tool for tool in ("caddy", "openssl") if shutil.which(tool) is None]
    if missing or not (VENV_BIN / "gunicorn").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"not installed: {missing or ['gunicorn']}, and CI=true needs it")
        pytest.skip(f"not installed: {missing or ['gunicorn']}")
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    env = recipe_environment(tmp_path, https_port)
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run(command_of("workshop.service", "ExecStartPre"), **run)
    subprocess.run(
        [
            *(str(VENV_BIN / "flask"), "--app", "workshop", "create-user"),
            *("--email", "organizer@recipe.go.th", "--password", "recipe-organizer-2559"),
            *("--role", "organizer", "--name", "นางสุนันทา วงศ์ใหญ่"),
        ],
        **run,
    )
    gunicorn_command = [*command_of("workshop.service"), "--bind", f"127.0.0.1:{app_port}"]
    assert "deploy/gunicorn.conf.py" in gunicorn_command
    caddy_data = tmp_path / "caddy"
    caddy_env = {
        **os.environ,
        "WORKSHOP_SITE": f"https://{SITE}:{https_port}",
        "WORKSHOP_APP_ADDRESS": f"127.0.0.1:{app_port}",
        # The office-network variant: Caddy's own CA instead of Let's Encrypt, test ports.
        "WORKSHOP_CADDY_GLOBAL": "\n".join(
            [
                "local_certs",
                "skip_install_trust",
                f"https_port {https_port}",
                f"http_port {http_port}",
                f"storage file_system {caddy_data}",
            ]
        ),
        "XDG_DATA_HOME": str(caddy_data),
        "XDG_CONFIG_HOME": str(caddy_data),
    }
    processes = []
    try:
        processes.append(subprocess.Popen(gunicorn_command, cwd=ROOT, env=env))
        processes.append(
            subprocess.Popen(
                ["caddy", "run", "--adapter", "caddyfile", "--config", "deploy/Caddyfile.server"],
                cwd=ROOT,
                env=caddy_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for_port(app_port, processes[0], "gunicorn")
        wait_for_port(https_port, processes[1], "caddy")
        root = caddy_data / "pki" / "authorities" / "local" / "root.crt"
        deadline = time.monotonic() + 30
        while not root.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        yield {"https_port": https_port, "root": root}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


class Browser:
    """Just enough of a browser over HTTPS: trusts the recipe's CA, keeps cookies."""

    def __init__(self, port: int, root: Path) -> None:
        self.port = port
        self.context = ssl.create_default_context(cafile=str(root))
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(self, method: str, path: str, form: dict | None = None):
        # The site's name for TLS (SNI, certificate check) and Host, this machine for TCP.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.sock = self.context.wrap_socket(
            socket.create_connection(("127.0.0.1", self.port), timeout=60),
            server_hostname=SITE,
        )
        headers = {"Host": f"{SITE}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{SITE}:{self.port}"
            headers["Referer"] = f"https://{SITE}:{self.port}{path}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response, text


def test_sign_in_through_the_recipes_gunicorn_and_caddy(recipe):
    browser = Browser(recipe["https_port"], recipe["root"])

    health, body = browser.request("GET", "/healthz")
    assert (health.status, body.strip()) == (200, '{"status":"ok"}')

    page, html = browser.request("GET", "/auth/login")
    assert page.status == 200
    signed_in, _ = browser.request(
        "POST",
        "/auth/login",
        {
            "csrf_token": csrf_token_from(html),
            "email": "organizer@recipe.go.th",
            "password": "recipe-organizer-2559",
        },
    )
    assert signed_in.status == 302, "sign-in through Caddy and gunicorn failed"
    # WORKSHOP_BASE_URL is https: the session cookie is Secure; Caddy is trusted as a proxy.
    session_cookie = [h for h in browser.set_cookie_headers if h.startswith("session=")][-1]
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie

    home, html = browser.request("GET", signed_in.headers["Location"])
    assert home.status == 200
    assert "สุนันทา" in html
