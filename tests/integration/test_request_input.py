"""Input that used to reach the database or a response header and answer 500: NUL characters
in query strings and path segments, numbers past a database integer, digits ``int()`` cannot
read, and line breaks in ``next``. Each is answered with a clear 4xx (or, for ``next``, the
usual safe fallback) on SQLite and PostgreSQL alike. The fuzz suite
(tests/fuzz/test_pages_fuzz.py) tries the same classes on every page and form."""

from __future__ import annotations

import pytest

from tests.conftest import FreshGlobalsClient
from tests.support import PASSWORD, csrf_token_from, login, running_workshop
from workshop.models import Workshop
from workshop.web.request_input import database_int


@pytest.fixture
def organizer_client(app, organizer):
    app.test_client_class = FreshGlobalsClient
    client = app.test_client()
    login(client, organizer)
    return client


def test_database_int_takes_only_what_an_integer_column_holds():
    assert database_int(" 2147483647 ") == 2**31 - 1
    assert database_int("-2147483648") == -(2**31)
    assert database_int(7) == 7
    for bad in (
        "2147483648",
        "99999999999999999999",
        "-2147483649",
        "1_000",
        "๑๒",
        "1.5",
        "",
        True,
    ):
        with pytest.raises(ValueError):
            database_int(bad)


def test_a_line_break_in_next_falls_back_to_a_safe_page(client, officer):
    response = client.get("/lang/en?next=/%0d%0aX")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    # At sign-in, after the password was accepted: signed in, sent home, no 500.
    html = client.get("/auth/login").get_data(as_text=True)
    response = client.post(
        "/auth/login?next=/my/registrations%0d%0aSet-Cookie:%20x=1",
        data={"csrf_token": csrf_token_from(html), "email": officer.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/my/registrations").status_code == 200  # signed in


def test_nul_in_a_query_string_is_a_clear_400(organizer_client):
    for url in ("/organizer/audit?action=%00", "/organizer/audit?entity=a%00b", "/verify?code=%00"):
        response = organizer_client.get(url)
        assert response.status_code == 400, url
        assert "อักขระควบคุม" in response.get_data(as_text=True)


def test_nul_in_an_api_query_string_is_422_naming_the_parameter(client, staff, venue, organizer):
    from workshop.services.accounts import issue_api_token

    workshop = running_workshop(venue, organizer)
    token = issue_api_token(staff, 1)
    response = client.get(
        f"/api/v1/workshops/{workshop.id}/attendees?q=ab%00",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert list(response.json["error"]["fields"]) == ["q"]


def test_nul_in_a_path_segment_is_404(organizer_client, venue, organizer):
    workshop = running_workshop(venue, organizer)
    for url in (
        f"/organizer/workshops/{workshop.id}/certificate-images/%00",
        f"/organizer/workshops/{workshop.id}/certificate-images/logo%00",
        "/verify/ABC%00",
        "/api/v1/certificates/%00",
    ):
        assert organizer_client.get(url).status_code == 404, url


@pytest.mark.parametrize("value", ["2147483648", "99999999999999999999", "-1", "0", "abc"])
def test_an_id_no_record_can_have_is_404_at_the_door(organizer_client, venue, organizer, value):
    workshop = running_workshop(venue, organizer)
    assert organizer_client.get(f"/checkin?workshop_id={value}").status_code == 404
    session_id = f"/checkin?workshop_id={workshop.id}&session_id={value}"
    assert organizer_client.get(session_id).status_code == 404
    assert organizer_client.get("/checkin").status_code == 200  # no id: the list


def test_numbers_past_an_integer_in_query_strings_are_ignored_like_other_non_numbers(
    organizer_client,
):
    for url in (
        "/organizer/audit?page=99999999999999999999",
        "/organizer/audit?page=2147483648&entity_id=99999999999999999999",
    ):
        assert organizer_client.get(url).status_code == 200, url


def test_a_venue_id_past_an_integer_in_the_workshop_form_is_refused_at_the_field(
    organizer_client, venue
):
    from tests.integration.test_input_robustness import total_rows

    html = organizer_client.get("/organizer/workshops/new").get_data(as_text=True)
    before = total_rows()
    for value in ("99999999999999999999", "2147483648", "9223372036854775808"):
        response = organizer_client.post(
            "/organizer/workshops/new",
            data={
                "csrf_token": csrf_token_from(html),
                "title": "อบรมการใช้ข้อมูล จปฐ.",
                "organizing_agency": "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
                "venue_id": value,
                "capacity": "60",
                "opens_day": "01/11/2558",
                "closes_day": "15/11/2558",
                "attendance_threshold": "80",
                "certificate_kind": "เกียรติบัตร",
                "sessions-0-day": "19/11/2558",
                "sessions-0-starts": "08:30",
                "sessions-0-ends": "12:00",
            },
        )
        assert response.status_code == 422, value
        assert "กรุณาเลือกสถานที่ที่มีอยู่ในระบบ" in response.get_data(as_text=True)
    assert total_rows() == before
    assert Workshop.query.count() == 0


def test_type_int_on_request_parameters_gives_only_database_integers(app):
    from flask import request

    url = "/?big=99999999999999999999&edge=2147483648&ok=2147483647&word=abc"
    with app.test_request_context(url, method="POST", data={"big": "9223372036854775808"}):
        assert request.args.get("big", type=int) is None
        assert request.args.get("edge", 1, type=int) == 1
        assert request.args.get("ok", type=int) == 2**31 - 1
        assert request.args.get("word", type=int) is None
        assert request.form.get("big", type=int) is None
        assert request.args.get("ok") == "2147483647"  # other types are untouched


def test_a_digit_int_cannot_read_is_refused_like_any_other_text(
    app, client, organizer_client, staff, venue, organizer
):
    """``"²".isdigit()`` is true, yet ``int("²")`` fails: ids, versions and options checked
    with isdigit() alone answered 500. They are read by ``database_int`` (ASCII digits) now."""
    from tests.integration.test_api_workshops import bearer
    from tests.support import form_values

    workshop = running_workshop(venue, organizer)
    assert organizer_client.get("/organizer/audit?entity_id=²").status_code == 200
    roster = client.get(
        f"/api/v1/workshops/{workshop.id}/roster?session_id=²", headers=bearer(client, staff)
    )
    assert (roster.status_code, roster.get_json()["error"]["code"]) == (422, "validation_failed")

    # A version that is no number says nothing about which version was edited.
    for page, field in (
        (f"/organizer/workshops/{workshop.id}/edit", "title"),
        (f"/organizer/venues/{venue.id}/edit", "name"),
        (f"/organizer/workshops/{workshop.id}/certificates", "wording"),
    ):
        data = form_values(organizer_client.get(page).get_data(as_text=True), field)
        action = page.replace("/certificates", "/certificate-design")
        response = organizer_client.post(action, data={**data, "version": "²"})
        assert response.status_code == 302, (page, response.status_code)

    # A session row's id that is no number: a new session, as with no id.
    data = form_values(
        organizer_client.get(f"/organizer/workshops/{workshop.id}/edit").get_data(as_text=True),
        "title",
    )
    response = organizer_client.post(
        f"/organizer/workshops/{workshop.id}/edit", data={**data, "sessions-0-id": "²"}
    )
    assert response.status_code < 500
