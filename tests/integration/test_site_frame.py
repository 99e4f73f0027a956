"""Issue 14 §7: the frame of every page (office name and logo, footer, skip link, the current
menu item), the privacy notice and the accessibility statement, and Sarabun served by the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import login

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def office(app):
    keys = ("OFFICE_NAME", "OFFICE_NAME_EN", "OFFICE_PHONE", "OFFICE_EMAIL", "OFFICE_LOGO")
    saved = {k: app.config[k] for k in keys}
    app.config.update(
        OFFICE_NAME="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        OFFICE_NAME_EN="Phitsanulok Provincial Community Development Office",
        OFFICE_PHONE="055 245 062",
        OFFICE_EMAIL="office@example.go.th",
    )
    yield app.config
    app.config.update(saved)


def test_header_footer_and_skip_link(client, office):
    html = client.get("/").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">' in html and '<main class="page" id="main"' in html
    assert '<span class="brand-office">สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก</span>' in html
    assert '<img class="brand-logo" src="/brand/logo"' in html
    assert 'href="tel:055245062"' in html and 'href="mailto:office@example.go.th"' in html
    assert 'href="/privacy"' in html and 'href="/accessibility"' in html
    assert '<a href="/" aria-current="page">การอบรม</a>' in html
    client.get("/lang/en?next=/")
    english = client.get("/").get_data(as_text=True)
    assert "Phitsanulok Provincial Community Development Office" in english


def test_the_current_menu_item_is_marked(client, organizer):
    login(client, organizer)
    html = client.get("/organizer/venues").get_data(as_text=True)
    assert html.count('aria-current="page"') == 1
    assert '<a href="/organizer/venues" aria-current="page">' in html


def test_privacy_notice_and_accessibility_statement(client, office):
    privacy = client.get("/privacy").get_data(as_text=True)
    assert "<h1>ประกาศความเป็นส่วนตัว</h1>" in privacy
    assert "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก (ผู้ควบคุมข้อมูลส่วนบุคคล)" in privacy
    assert "พระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562" in privacy
    assert "เก็บไว้ 5 ปี" in privacy  # WORKSHOP_RETENTION_YEARS
    statement = client.get("/accessibility").get_data(as_text=True)
    assert "WCAG 2.2" in statement and "200%" in statement and "%%" not in statement


def test_logo_is_the_emblem_or_the_configured_file(client, office, tmp_path):
    emblem = client.get("/brand/logo")
    assert emblem.status_code == 200 and emblem.mimetype == "image/svg+xml"
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    office["OFFICE_LOGO"] = str(logo)
    served = client.get("/brand/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    office["OFFICE_LOGO"] = str(ROOT / "pyproject.toml")  # not an image: never served
    assert client.get("/brand/logo").status_code == 404


def test_sarabun_is_served_with_font_display_swap(client):
    css = (ROOT / "static" / "css" / "app.css").read_text()
    assert css.count("font-display: swap") == 3
    for weight in ("regular", "semibold", "bold"):
        font = client.get(f"/static/fonts/sarabun-{weight}.woff2")
        assert font.status_code == 200 and font.data[:4] == b"wOF2"
    assert "text-underline-offset" in css and "text-decoration-skip-ink" in css
