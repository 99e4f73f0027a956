"""Security headers, the Content-Security-Policy, pages without inline script, and /healthz."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy.exc import OperationalError

from tests.support import login, running_workshop
from workshop.extensions import db
from workshop.web.security import register_security_headers

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_pages_carry_security_headers_and_a_strict_csp(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "worker-src 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # BASE_URL is http here
    api = client.get("/api/v1/openapi.json")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_when_the_site_is_https():
    site = Flask(__name__)
    site.config["BASE_URL"] = "https://workshop.example.go.th"
    register_security_headers(site)
    site.add_url_rule("/", "index", lambda: "ok")
    assert "max-age=" in site.test_client().get("/").headers["Strict-Transport-Security"]


def test_templates_have_no_inline_script_or_style():
    """What the CSP would block: inline <script> code, on* handlers, style attributes.

    Mail templates are exempt: they are read in mail clients, not served with our CSP."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    style = re.compile(r"\sstyle\s*=|<style", re.I)
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if "mail" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for name, pattern in (("script", inline_script), ("handler", handler), ("style", style)):
            found += [f"{path.relative_to(TEMPLATES)}: {name}" for _ in pattern.finditer(text)]
    assert found == []


def test_scanner_page_keeps_its_data_out_of_executable_script(client, staff, venue, organizer):
    workshop = running_workshop(venue, organizer)
    login(client, staff)
    session = workshop.sessions[0]
    page = client.get(f"/checkin/{workshop.id}/{session.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<script type="application/json" id="checkin-config">' in html
    assert "camera=(self)" in page.headers["Permissions-Policy"]


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_503_when_the_database_does_not_answer(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "database_unavailable"
    assert body["error"]["message"]
