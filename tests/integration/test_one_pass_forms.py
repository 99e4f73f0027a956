"""Every form reports every problem in one submit: the form's checks and the service's rules
together, listed in a summary at the top that links to each field, with the fields marked and
what was typed kept (passwords excepted, with a note)."""

from __future__ import annotations

import re

import pytest

from tests.integration.test_officer_pages import signup_form
from tests.integration.test_organizer_pages import workshop_form
from tests.support import PASSWORD, login, make_user, submit_form
from workshop.models import User, Workshop
from workshop.services.accounts import authenticate


def summary_links(html: str) -> list[str]:
    """The fields the error summary links to, in order (empty without a summary)."""
    found = re.search(r'<div class="error-summary"[^>]*role="alert"[^>]*>(.*?)</div>', html, re.S)
    return re.findall(r'<a href="#([^"]+)"', found.group(1)) if found else []


def control(html: str, field_id: str) -> str:
    found = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert found, f"no control {field_id}"
    return found.group(0)


def assert_marked(html: str, field_id: str) -> None:
    tag = control(html, field_id)
    assert 'aria-invalid="true"' in tag
    described = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
    assert f"{field_id}-error" in described
    assert f'id="{field_id}-error"' in html


def test_sign_up_reports_every_problem_in_one_submit(client):
    make_user("officer", "taken@example.go.th")
    data = signup_form(
        first_name="",
        phone="12345",
        email="taken@example.go.th",
        password="ดอกแก้ว-วังทอง-2559",
        password_again="something else entirely",
        last_name="ปิ่นทอง",
    )
    del data["consent"]
    response = submit_form(client, "/auth/signup", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    links = summary_links(html)
    assert links == ["first_name", "phone", "email", "password_again", "consent"]
    for field_id in links:
        assert_marked(html, field_id)
    # A taken address leads to signing in or resetting the password.
    assert re.search(r"href=\"/auth/forgot\?email=taken(%40|@)example.go.th\"", html), re.findall(
        r"forgot[^\"]*", html
    )
    # What was typed stays, except the passwords (with a note saying so).
    assert 'value="ปิ่นทอง"' in control(html, "last_name")
    assert 'value="12345"' in control(html, "phone")
    assert not re.search(r'value="[^"]+"', control(html, "password"))
    assert 'id="password-note"' in html and "ไม่เก็บรหัสผ่าน" in html
    assert User.query.count() == 1


def test_a_short_password_does_not_hide_a_taken_address(client):
    make_user("officer", "taken@example.go.th")
    data = signup_form(email="taken@example.go.th", password="short", password_again="short")
    html = submit_form(client, "/auth/signup", data).get_data(as_text=True)
    assert summary_links(html) == ["email", "password"]
    assert "อีเมลนี้มีผู้ใช้แล้ว" in html and "รหัสผ่านต้องยาว" in html


def test_the_name_prefix_starts_unchosen_and_is_required(client):
    html = client.get("/auth/signup").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="title_prefix".*?</select>', html, re.S).group(0)
    first = re.search(r"<option[^>]*>[^<]*</option>", select).group(0)
    assert 'value=""' in first and "กรุณาเลือก" in first
    assert "selected" not in select.replace(first, "")  # nothing else preselected
    response = submit_form(client, "/auth/signup", signup_form(title_prefix=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert summary_links(html) == ["title_prefix"]
    assert "กรุณาเลือกคำนำหน้าชื่อ" in html
    assert User.query.count() == 0


def test_password_change_reports_both_problems_and_changes_nothing(client, officer):
    login(client, officer)
    response = submit_form(
        client,
        "/auth/password",
        {"current": "wrong-one", "new": "ใหม่ใหม่ใหม่-2570", "again": "mismatch-2570"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert summary_links(html) == ["current", "again"]
    assert authenticate(officer.email, PASSWORD).id == officer.id


@pytest.fixture
def organizer_client(client, organizer):
    login(client, organizer)
    return client


def test_workshop_form_reports_field_and_session_errors_together(organizer_client, venue):
    data = workshop_form(
        venue,
        title="",
        capacity="สิบ",
        **{"sessions-1-ends": "12:00"},  # ends before it starts (13:00)
    )
    response = submit_form(organizer_client, "/organizer/workshops/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert summary_links(html) == ["title", "capacity", "sessions-1-ends"]
    assert_marked(html, "sessions-1-ends")
    assert re.search(r"ช่วงที่ 2 · สิ้นสุด: เวลาสิ้นสุดต้องหลังเวลาเริ่ม", html)
    assert 'value="ภาคบ่าย"' in control(html, "sessions-1-title")  # kept as typed
    assert Workshop.query.count() == 0


def test_a_date_that_cannot_be_read_does_not_hide_the_other_rules(organizer_client, venue):
    data = workshop_form(venue, opens_day="32/13/2558", attendance_threshold="150")
    html = submit_form(organizer_client, "/organizer/workshops/new", data).get_data(as_text=True)
    assert summary_links(html) == ["opens_day", "attendance_threshold"]


def test_the_venue_starts_unchosen_and_is_required(organizer_client, venue):
    html = organizer_client.get("/organizer/workshops/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="venue_id".*?</select>', html, re.S).group(0)
    assert re.search(r'<option selected value="">กรุณาเลือก</option>', select), select
    data = workshop_form(venue, venue_id="")
    response = submit_form(organizer_client, "/organizer/workshops/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert summary_links(html) == ["venue_id"]
    assert "กรุณาเลือกสถานที่" in html


def test_venue_form_reports_every_problem(organizer_client):
    data = {"name": "", "address": "", "district": "", "province": "", "capacity": "0"}
    html = submit_form(organizer_client, "/organizer/venues/new", data).get_data(as_text=True)
    assert summary_links(html) == ["name", "capacity"]


def test_dates_typed_in_either_era_with_two_digit_years_or_thai_digits(organizer_client, venue):
    data = workshop_form(
        venue,
        opens_day="1/11/2015",  # CE
        closes_day="๑๕/๑๑/๕๘",  # Thai digits, two-digit BE year
        **{"sessions-0-day": "19/11/58", "sessions-1-day": "20.11.2558"},
    )
    response = submit_form(organizer_client, "/organizer/workshops/new", data)
    assert response.status_code == 302, summary_links(response.get_data(as_text=True))
    workshop = Workshop.query.one()
    assert workshop.fiscal_year == 2559
    assert [s.starts_at.date().isoformat() for s in workshop.sessions] == [
        "2015-11-19",
        "2015-11-20",
    ]


def test_the_date_preview_says_how_a_date_is_read(client):
    def preview(text: str, **headers) -> str:
        response = client.get("/forms/date-preview", query_string={"text": text}, headers=headers)
        assert response.status_code == 200
        return response.get_json()["text"]

    assert preview("20/01/2570") == "→ 20 ม.ค. 2570"
    assert preview("20/01/2027") == "20/01/2027 → 20 ม.ค. 2570 (ปี ค.ศ. 2027 แปลงเป็น พ.ศ. 2570)"
    assert preview("๒๐/๑/๗๐") == "→ 20 ม.ค. 2570"
    assert preview("31/02/2570") == "ไม่มีวันที่นี้ในปฏิทิน"
    assert preview("") == ""
    client.get("/lang/en")
    assert preview("20/01/2570") == "20/01/2570 → 20 Jan 2027 (BE 2570 converted to 2027)"


def test_time_fields_have_their_own_placeholders(organizer_client, venue):
    html = organizer_client.get("/organizer/workshops/new").get_data(as_text=True)
    assert 'placeholder="08:30"' in control(html, "sessions-0-starts")
    assert 'placeholder="16:30"' in control(html, "sessions-0-ends")
    assert 'placeholder="23:59"' in control(html, "closes_time")


def test_deleting_an_account_reports_the_box_and_the_password_together(client, officer):
    login(client, officer)
    response = submit_form(client, "/auth/delete", {"password": "not-my-password"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert summary_links(html) == ["password", "understood"]
    assert "รหัสผ่านไม่ถูกต้อง" in html
    assert User.query.filter_by(email=officer.email).count() == 1
