"""Thai first, English second: the language switch, English pages, and the API's Accept-Language."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.support import PASSWORD, login
from workshop.models import User, Workshop
from workshop.services.workshops import change_status

THAI = re.compile(r"[\u0e00-\u0e7f]")
# The switch back to Thai is written in Thai on purpose (a language is offered in itself).
THAI_SWITCH = re.compile(r'<a href="/lang/th[^"]*" lang="th">ไทย</a>')


def _html(response) -> str:
    return response.get_data(as_text=True)


def _publish(workshop: Workshop, organizer: User) -> Workshop:
    return change_status(workshop, "published", organizer)


def _data_strings(workshop: Workshop, *users: User) -> list[str]:
    """Text that comes from the database and stays as typed, whatever the UI language."""
    venue = workshop.venue
    values = [
        workshop.title,
        workshop.organizing_agency,
        venue.name,
        venue.address,
        venue.district,
        venue.province,
        *(s.title for s in workshop.sessions),
    ]
    for user in users:
        values += [user.full_name, user.title_prefix, user.first_name, user.last_name]
    return sorted({v for v in values if v}, key=len, reverse=True)


def _thai_outside_data(html: str, data: list[str]) -> list[str]:
    """Thai text left on the page once database values and the Thai switch link are removed."""
    html = THAI_SWITCH.sub("", html)
    for value in data:
        html = html.replace(value, "")
    return sorted({line.strip() for line in html.splitlines() if THAI.search(line)})


def _english(client: FlaskClient, next_path: str = "/") -> None:
    response = client.get(f"/lang/en?next={next_path}")
    assert response.status_code == 302
    assert response.headers["Location"] == next_path


# ---------------------------------------------------------------- pages


def test_home_page_is_thai_by_default(client, organizer, workshop):
    _publish(workshop, organizer)
    html = _html(client.get("/"))
    assert '<html lang="th">' in html
    assert "เข้าสู่ระบบ" in html
    assert "ระบบจัดการการอบรม" in html
    assert "ปีงบประมาณ พ.ศ. 2559" in html
    assert "20 ตุลาคม 2558" in html
    assert workshop.title in html
    assert 'lang="en">English</a>' in html


def test_switching_to_english_redirects_back_and_translates_the_page(client, organizer, workshop):
    _publish(workshop, organizer)
    _english(client, "/")

    html = _html(client.get("/"))
    assert '<html lang="en">' in html
    for label in ("Workshop Management System", "Sign in", "Workshops", "Published"):
        assert label in html
    assert "Fiscal year 2016 (B.E. 2559)" in html
    assert "20 October 2015" in html
    assert "เข้าสู่ระบบ" not in html
    assert "ระบบจัดการการอบรม" not in html
    # Database values stay Thai; everything else on the page is English.
    assert workshop.title in html
    assert _thai_outside_data(html, _data_strings(workshop)) == []


def test_english_public_workshop_page(client, organizer, workshop):
    _publish(workshop, organizer)
    _english(client, "/")
    html = _html(client.get(f"/workshops/{workshop.id}"))
    assert '<html lang="en">' in html
    assert "Fiscal year 2016 (B.E. 2559)" in html
    assert "Tuesday 20 October 2015" in html
    for label in ("Venue", "Schedule", "Certificate requirement", "Attend at least 80% of"):
        assert label in html
    assert f"{workshop.venue.district} District, {workshop.venue.province} Province" in html
    assert _thai_outside_data(html, _data_strings(workshop)) == []


def test_english_sign_in_page(client):
    _english(client, "/auth/login")
    html = _html(client.get("/auth/login"))
    for label in ("Sign in", "Email", "Password", "Keep me signed in on this device"):
        assert label in html
    assert _thai_outside_data(html, []) == []


def test_english_organizer_workshop_page(client, organizer, workshop):
    _english(client, "/")
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}"

    html = _html(client.get(page))
    assert '<html lang="en">' in html
    assert f"Signed in. Welcome, {organizer.first_name}." in html  # the flash after sign-in
    assert "Fiscal year 2016 (B.E. 2559)" in html
    assert "20 October 2015" in html
    assert "Tuesday 20 October 2015" in html
    assert "08:30–12:00" in html
    for label in ("Edit", "Publish", "Cancel workshop", "Schedule", "Sign out", "Draft"):
        assert label in html
    assert "Certificate requirement" in html
    assert "ปีงบประมาณ" not in html
    assert "ตุลาคม" not in html
    assert _thai_outside_data(html, _data_strings(workshop, organizer)) == []


def test_switching_back_to_thai(client, organizer, workshop):
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}"
    _english(client, page)
    assert "Fiscal year 2016 (B.E. 2559)" in _html(client.get(page))

    response = client.get(f"/lang/th?next={page}")
    assert response.status_code == 302
    assert response.headers["Location"] == page
    html = _html(client.get(page))
    assert '<html lang="th">' in html
    assert "ปีงบประมาณ พ.ศ. 2559" in html
    assert "20 ตุลาคม 2558" in html
    assert "ออกจากระบบ" in html
    assert "Fiscal year" not in html
    assert "Sign out" not in html


def test_unknown_language_is_ignored(client):
    response = client.get("/lang/xx?next=/")
    assert response.status_code == 302
    assert '<html lang="th">' in _html(client.get("/"))

    _english(client, "/")
    client.get("/lang/xx?next=/")
    assert '<html lang="en">' in _html(client.get("/"))


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_without_next_goes_home(client):
    response = client.get("/lang/en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# ---------------------------------------------------------------- JSON API


def _error(response) -> dict:
    body = response.get_json()
    assert body is not None, response.get_data(as_text=True)
    return body["error"]


def test_api_error_language_follows_accept_language(client):
    english = client.get("/api/v1/workshops/999999", headers={"Accept-Language": "en"})
    thai = client.get("/api/v1/workshops/999999")
    assert english.status_code == thai.status_code == 404
    assert _error(english)["code"] == _error(thai)["code"] == "not_found"
    assert _error(english)["message"]
    assert not THAI.search(_error(english)["message"]), _error(english)
    assert THAI.search(_error(thai)["message"]), _error(thai)


@pytest.mark.parametrize(
    ("accept", "message"),
    [
        (None, "อีเมลหรือรหัสผ่านไม่ถูกต้อง"),
        ("en", "Incorrect email or password."),
        ("en-US,en;q=0.9", "Incorrect email or password."),
        ("th-TH,th;q=0.9,en;q=0.8", "อีเมลหรือรหัสผ่านไม่ถูกต้อง"),
        ("fr", "อีเมลหรือรหัสผ่านไม่ถูกต้อง"),
    ],
)
def test_api_token_error_speaks_the_accepted_language(client, organizer, accept, message):
    headers = {"Accept-Language": accept} if accept else {}
    response = client.post(
        "/api/v1/auth/token",
        json={"email": organizer.email, "password": PASSWORD + "-wrong"},
        headers=headers,
    )
    assert response.status_code == 401
    assert _error(response) == {"code": "invalid_credentials", "message": message}


def test_api_ignores_the_page_language_choice(client, organizer):
    """Pages follow the session's choice; the API follows only Accept-Language."""
    _english(client, "/")
    response = client.post(
        "/api/v1/auth/token", json={"email": organizer.email, "password": "wrong-password"}
    )
    assert _error(response)["message"] == "อีเมลหรือรหัสผ่านไม่ถูกต้อง"


def test_english_report_words_are_not_ambiguous(client, organizer, workshop):
    """Counts, column heads and the certificate kind read as English (pgettext, ngettext)."""
    _english(client, "/")
    login(client, organizer)
    html = _html(client.get(f"/organizer/workshops/{workshop.id}/report"))
    assert re.search(r'<span class="count">0</span>Cancelled</span>', html)
    assert '<th class="num">Checked in</th>' in html
    assert re.search(r'<span class="count">0</span>Issued: [A-Z][a-z]', html)
    assert "เกียรติบัตร issued" not in html
    assert _thai_outside_data(html, _data_strings(workshop, organizer)) == []


def test_english_page_titles_read_as_english(client, organizer, workshop):
    _english(client, "/")
    login(client, organizer)
    html = _html(client.get("/organizer/reports/fiscal-year?fy=2559"))
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.startswith("Workshop report · Fiscal year 2016 (B.E. 2559)")
