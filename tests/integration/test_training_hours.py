"""Training hours, the hours or sessions rule, check-out and excused absences, through the
paths organizers, door staff and officers take (pages and API), on both databases."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from tests.integration.test_migrations import empty_database  # noqa: F401  (fixture)
from tests.integration.test_organizer_pages import workshop_form
from tests.support import (
    error_block,
    finished_workshop,
    login,
    make_officers,
    running_workshop,
    seat,
    submit_form,
    workshop_input,
)
from workshop.extensions import db
from workshop.models import (
    AuditEvent,
    CheckIn,
    ExcusedAbsence,
    Registration,
    RegistrationStatusChange,
    Workshop,
)
from workshop.services.accounts import issue_api_token
from workshop.services.certificates import CertificateState, explain_eligibility
from workshop.services.errors import NotAllowed, ValidationFailed
from workshop.services.excuses import excuse_absence, withdraw_excuse
from workshop.services.tickets import ticket_token
from workshop.services.workshops import SessionInput, change_status, create_workshop
from workshop.thai.dates import bangkok_to_utc

DAY = date(2015, 10, 20)


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_api_token(user, 1)}"}


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return bangkok_to_utc(day, time(hour, minute))


def stored(workshop_id: int) -> Workshop:
    db.session.rollback()  # a fresh snapshot: the request wrote through its own transaction
    return db.session.get(Workshop, workshop_id)


def uneven(venue, organizer, **changes) -> Workshop:
    """Over on 20 October 2015: four one-hour sessions and a six-hour day (10 h in all)."""
    sessions = [
        SessionInput(title=f"ช่วงสั้น {n}", starts_at=at(8 + n), ends_at=at(9 + n)) for n in range(4)
    ]
    sessions.append(
        SessionInput(
            title="ฝึกปฏิบัติ",
            starts_at=at(13, 0, DAY + timedelta(1)),
            ends_at=at(19, 0, DAY + timedelta(1)),
        )
    )
    data = workshop_input(venue, sessions=sessions, **changes)
    return change_status(create_workshop(data, organizer), "published", organizer)


def check_in(registration, session, scanned_at=None, checked_out_at=None) -> None:
    db.session.add(
        CheckIn(
            registration_id=registration.id,
            session_id=session.id,
            scanned_at=scanned_at or session.starts_at,
            checked_out_at=checked_out_at,
            method="manual",
        )
    )
    db.session.commit()


# ---------------------------------------------------------------- hours of sessions


def test_new_workshops_count_hours_and_sessions_get_their_length_less_lunch(venue, organizer):
    day = DAY
    data = workshop_input(
        venue,
        sessions=[
            SessionInput(starts_at=at(8, 30), ends_at=at(16, 30)),  # a day with lunch in it
            SessionInput(
                starts_at=at(8, 30, day + timedelta(1)), ends_at=at(12, 0, day + timedelta(1))
            ),
        ],
    )
    workshop = create_workshop(data, organizer)

    assert workshop.attendance_rule == "hours"
    assert [s.hours for s in workshop.sessions] == [Decimal("7.00"), Decimal("3.50")]
    assert workshop.total_hours == Decimal("10.50")


def test_the_lunch_break_is_configurable(app, venue, organizer):
    app.config["LUNCH_BREAK"] = None
    try:
        data = workshop_input(
            venue, sessions=[SessionInput(starts_at=at(8, 30), ends_at=at(16, 30))]
        )
        assert create_workshop(data, organizer).sessions[0].hours == Decimal("8.00")
    finally:
        app.config["LUNCH_BREAK"] = (time(12), time(13))


def test_organizer_sets_hours_and_the_rule_on_the_form(client, organizer, venue):
    login(client, organizer)
    form = workshop_form(
        venue,
        **{
            "sessions-0-hours": "3",  # 08.30–12.00 counted as 3 hours (a break taken off)
            "sessions-1-hours": "",  # blank: 13.00–16.30 gives 3.5
            "attendance_rule": "sessions",
            "checkout_enabled": "y",
            "excused_count": "y",
        },
    )

    response = submit_form(client, "/organizer/workshops/new", form)

    assert response.status_code == 302, response.get_data(as_text=True)
    workshop = Workshop.query.one()
    assert [s.hours for s in workshop.sessions] == [Decimal("3.00"), Decimal("3.50")]
    assert (workshop.attendance_rule, workshop.checkout_enabled, workshop.excused_count) == (
        "sessions",
        True,
        True,
    )
    # Editing shows the hours the organizer typed and leaves the default ones blank.
    html = client.get(f"/organizer/workshops/{workshop.id}/edit").get_data(as_text=True)
    assert 'name="sessions-0-hours" placeholder="อัตโนมัติ" type="text" value="3"' in html
    assert 'name="sessions-1-hours" placeholder="อัตโนมัติ" type="text" value=""' in html
    assert "หักพักกลางวัน 12.00–13.00 น." in html


def test_a_new_workshop_form_starts_at_80_per_cent_of_hours(client, organizer, venue):
    login(client, organizer)
    html = client.get("/organizer/workshops/new").get_data(as_text=True)
    assert '<option selected value="hours">' in html
    assert re.search(r'name="attendance_threshold"[^>]* value="80"', html)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("สามชั่วโมง", "กรุณากรอกชั่วโมงเป็นตัวเลข เช่น 3.5"),
        ("4", "ชั่วโมงอบรมต้องอยู่ระหว่าง 0 ถึง 3.5 ชั่วโมง (ความยาวของช่วง)"),
        ("3.333", "ชั่วโมงอบรมมีทศนิยมได้ไม่เกิน 2 ตำแหน่ง"),
    ],
)
def test_bad_hours_on_the_form_are_refused_beside_the_field(
    client, organizer, venue, hours, message
):
    login(client, organizer)
    response = submit_form(
        client, "/organizer/workshops/new", workshop_form(venue, **{"sessions-0-hours": hours})
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'name="sessions-0-hours"' in error_block(html, message)
    assert Workshop.query.count() == 0


def test_api_takes_and_returns_hours_and_the_rule(client, organizer, venue):
    body = {
        "title": "อบรมการเขียนโครงการ",
        "organizing_agency": "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        "venue_id": venue.id,
        "capacity": 30,
        "registration_opens_at": "2015-10-01T08:30:00+07:00",
        "registration_closes_at": "2015-10-19T16:30:00+07:00",
        "sessions": [
            {"starts_at": "2015-10-20T08:30:00+07:00", "ends_at": "2015-10-20T16:30:00+07:00"},
            {
                "starts_at": "2015-10-21T08:30:00+07:00",
                "ends_at": "2015-10-21T12:00:00+07:00",
                "hours": 3,
            },
        ],
    }
    auth = bearer(organizer)

    created = client.post("/api/v1/workshops", json=body, headers=auth)

    assert created.status_code == 201, created.get_json()
    out = created.get_json()
    assert out["attendance_rule"] == "hours"
    assert (out["checkout_enabled"], out["excused_count"]) == (False, False)
    assert [s["hours"] for s in out["sessions"]] == [7.0, 3.0]
    assert out["total_hours"] == 10.0
    first, second = (s["id"] for s in out["sessions"])

    # PATCH: a kept session's hours stay unless given, or unless its times change.
    patched = client.patch(
        f"/api/v1/workshops/{out['id']}",
        json={
            "attendance_rule": "sessions",
            "excused_count": True,
            "sessions": [
                {"id": first, "starts_at": "2015-10-20T13:00:00+07:00"},
                {"id": second, "title": "ภาคเช้าวันที่สอง"},
            ],
        },
        headers=auth,
    )
    assert patched.status_code == 200, patched.get_json()
    result = patched.get_json()
    assert [s["hours"] for s in result["sessions"]] == [3.5, 3.0]
    assert (result["attendance_rule"], result["excused_count"]) == ("sessions", True)


@pytest.mark.parametrize(
    ("hours", "field", "message"),
    [
        ("3.5", "sessions.0.hours", "ต้องเป็นตัวเลข"),
        (True, "sessions.0.hours", "ต้องเป็นตัวเลข"),
        (-1, "sessions.0.hours", "ชั่วโมงอบรมต้องอยู่ระหว่าง 0 ถึง 8 ชั่วโมง"),
        (1e300, "sessions.0.hours", "ชั่วโมงอบรมต้องอยู่ระหว่าง 0 ถึง 8 ชั่วโมง"),
        (2.125, "sessions.0.hours", "ชั่วโมงอบรมมีทศนิยมได้ไม่เกิน 2 ตำแหน่ง"),
    ],
)
def test_api_refuses_bad_hours_with_a_field_message(
    client, organizer, venue, hours, field, message
):
    body = {
        "title": "อบรม",
        "organizing_agency": "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        "venue_id": venue.id,
        "capacity": 30,
        "registration_opens_at": "2015-10-01T08:30:00+07:00",
        "registration_closes_at": "2015-10-19T16:30:00+07:00",
        "sessions": [
            {
                "starts_at": "2015-10-20T08:30:00+07:00",
                "ends_at": "2015-10-20T16:30:00+07:00",
                "hours": hours,
            }
        ],
    }
    response = client.post("/api/v1/workshops", json=body, headers=bearer(organizer))

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"][field].startswith(message), error
    assert Workshop.query.count() == 0


def test_an_hours_rule_needs_some_hours(venue, organizer):
    data = workshop_input(venue, sessions=[SessionInput(starts_at=at(12), ends_at=at(13))])
    with pytest.raises(ValidationFailed) as refused:
        create_workshop(data, organizer)
    assert "sessions.0.hours" in refused.value.fields
    # Counted in sessions, a lunch-hour talk is a session like any other.
    data = workshop_input(
        venue, attendance_rule="sessions", sessions=[SessionInput(starts_at=at(12), ends_at=at(13))]
    )
    assert create_workshop(data, organizer).sessions[0].hours == Decimal("0.00")


# ---------------------------------------------------------------- the rule


def test_hours_rule_and_sessions_rule_judge_the_same_attendance_differently(venue, organizer):
    by_hours = uneven(venue, organizer)
    by_sessions = uneven(venue, organizer, attendance_rule="sessions", title="นับเป็นช่วง")
    results = {}
    for workshop in (by_hours, by_sessions):
        (officer,) = make_officers(1, prefix=f"w{workshop.id}-")
        registration = seat(workshop, officer, organizer)
        for session in (workshop.sessions[0], workshop.sessions[1], workshop.sessions[4]):
            check_in(registration, session)  # 8 of 10 hours, 3 of 5 sessions
        results[workshop.attendance_rule] = explain_eligibility(registration)

    assert results["hours"].state == CertificateState.ELIGIBLE
    assert results["hours"].message == (
        "มีสิทธิ์ได้รับเกียรติบัตร: เข้าร่วม 8 จาก 10 ชั่วโมง (เกณฑ์ 80% คืออย่างน้อย 8 ชั่วโมง)"
    )
    assert results["sessions"].state == CertificateState.SHORT
    assert results["sessions"].message == (
        "ไม่ได้รับเกียรติบัตร: เข้าร่วม 3 จาก 5 ช่วง ต่ำกว่าเกณฑ์ 80% (ต้องเข้าร่วมอย่างน้อย 4 ช่วง)"
    )


def test_existing_workshops_keep_the_session_rule_after_the_migration(empty_database):  # noqa: F811
    from flask_migrate import upgrade

    with empty_database.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO venues (id, name, address, district, province, capacity, "
                    "created_at) VALUES (1, 'ห้องประชุม', '', '', '', 50, '2015-09-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO workshops (id, title, objectives, topics, organizing_agency, "
                    "venue_id, capacity, registration_opens_at, registration_closes_at, status, "
                    "attendance_threshold, certificate_kind, presiding_official, signatory_name, "
                    "signatory_position, fiscal_year, created_at, updated_at) VALUES (1, 'เดิม', "
                    "'', '', 'สำนักงาน', 1, 20, '2015-10-01 00:00:00', '2015-10-19 00:00:00', "
                    "'published', 80, 'เกียรติบัตร', '', '', '', 2559, '2015-09-01 00:00:00', "
                    "'2015-09-01 00:00:00')"
                )
            )
            # 08.30–16.30 and 13.00–16.30 Bangkok, stored as naive UTC.
            conn.execute(
                text(
                    "INSERT INTO workshop_sessions (id, workshop_id, title, starts_at, ends_at) "
                    "VALUES (1, 1, '', '2015-10-20 01:30:00', '2015-10-20 09:30:00'), "
                    "(2, 1, '', '2015-10-21 06:00:00', '2015-10-21 09:30:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, role, title_prefix, first_name, "
                    "last_name, position, agency, district, province, phone, active, created_at) "
                    "VALUES (1, 'a@example.go.th', 'x', 'officer', '', 'ก', '', '', '', '', '', "
                    "'', true, '2015-09-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO registrations (id, workshop_id, user_id, status, ticket_secret, "
                    "created_at, cancel_reason) VALUES (1, 1, 1, 'confirmed', 's', "
                    "'2015-09-02 00:00:00', '')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO checkins (id, registration_id, session_id, scanned_at, "
                    "recorded_at, method, override_reason) VALUES (1, 1, 1, "
                    "'2015-10-20 01:25:00', '2015-10-20 01:25:00', 'qr', '')"
                )
            )
        upgrade()
        workshop = db.session.get(Workshop, 1)
        assert workshop.attendance_rule == "sessions"
        assert (workshop.checkout_enabled, workshop.excused_count) == (False, False)
        # Nothing was lost on the way (SQLite rebuilds tables to change them).
        assert [s.hours for s in workshop.sessions] == [Decimal("7.00"), Decimal("3.50")]
        assert [(c.registration_id, c.session_id) for c in CheckIn.query.all()] == [(1, 1)]
        db.session.remove()


# ---------------------------------------------------------------- excused absences


def test_excused_sessions_count_toward_the_rule_only_when_the_workshop_says_so(
    client, venue, organizer
):
    workshop = uneven(venue, organizer)
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer)
    for session in workshop.sessions[:4]:
        check_in(registration, session)  # 4 of 10 hours
    long_day = workshop.sessions[4]
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/sessions/{long_day.id}/attendance"

    response = submit_form(
        client,
        page,
        {"action": "set", "kind": "official_duty", "reason": "คำสั่งจังหวัดที่ 12/2558"},
        action=f"/organizer/registrations/{registration.id}/sessions/{long_day.id}/excuse",
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert "บันทึกการลาของ" in html
    assert "ไปราชการ (คำสั่งจังหวัดที่ 12/2558)" in html
    excuse = ExcusedAbsence.query.one()
    event = AuditEvent.query.filter_by(action="attendance.excuse").one()
    assert (event.actor_id, event.entity_id) == (organizer.id, excuse.id)
    assert event.details["kind"] == "official_duty"

    standing = explain_eligibility(registration)
    assert standing.state == CertificateState.SHORT
    assert "ลาหรือไปราชการ 1 ช่วง ซึ่งไม่นับตามเกณฑ์" in standing.message

    workshop.excused_count = True
    db.session.commit()
    standing = explain_eligibility(registration)
    assert standing.state == CertificateState.ELIGIBLE
    assert standing.message.startswith("มีสิทธิ์ได้รับเกียรติบัตร: เข้าร่วม 10 จาก 10 ชั่วโมง")
    assert "รวมที่ลาหรือไปราชการ 1 ช่วง" in standing.message


def test_excuse_rules(venue, organizer, staff):
    workshop = finished_workshop(venue, organizer, sessions=2)
    here, away, waiting = make_officers(3)
    present = seat(workshop, here, organizer, attended=1)
    absent = seat(workshop, away, organizer)
    first, second = workshop.sessions

    with pytest.raises(NotAllowed, match="เช็กอินช่วงนี้แล้ว"):
        excuse_absence(present.id, first.id, "leave", "", organizer)
    with pytest.raises(ValidationFailed) as refused:
        excuse_absence(absent.id, first.id, "other", "  ", organizer)
    assert refused.value.fields == {"reason": "กรุณาระบุเหตุที่ไม่ได้เข้าร่วม"}
    with pytest.raises(ValidationFailed):
        excuse_absence(absent.id, first.id, "holiday", "", organizer)
    with pytest.raises(NotAllowed):
        excuse_absence(absent.id, first.id, "leave", "", staff)
    other = finished_workshop(venue, organizer, sessions=1, title="การอบรมอื่น")
    with pytest.raises(Exception, match="ไม่พบช่วงการอบรมนี้"):
        excuse_absence(absent.id, other.sessions[0].id, "leave", "", organizer)

    excuse_absence(absent.id, first.id, "leave", "", organizer)
    changed = excuse_absence(absent.id, first.id, "other", "ป่วย", organizer)  # changes it
    assert (changed.kind, changed.reason) == ("other", "ป่วย")
    assert ExcusedAbsence.query.count() == 1
    assert AuditEvent.query.filter_by(action="attendance.excuse").count() == 2
    last = AuditEvent.query.filter_by(action="attendance.excuse").order_by(AuditEvent.id.desc())
    assert last.first().details["before"] == {"kind": "leave", "reason": ""}

    withdraw_excuse(absent.id, first.id, organizer)
    assert ExcusedAbsence.query.count() == 0
    assert AuditEvent.query.filter_by(action="attendance.unexcuse").count() == 1
    del second, waiting


def test_a_check_in_after_an_excuse_counts_as_present(venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=2)
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer)
    first, _second = workshop.sessions
    excuse_absence(registration.id, first.id, "leave", "", organizer)
    check_in(registration, first)

    standing = explain_eligibility(registration)

    assert (standing.attendance.present, standing.attendance.excused) == (1, 0)


def test_api_excuses_and_attendance(client, venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=2)
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer, attended=1)
    second = workshop.sessions[1]
    url = f"/api/v1/registrations/{registration.id}/excuses/{second.id}"

    assert client.put(url, json={"kind": "leave"}, headers=bearer(officer)).status_code == 403
    put = client.put(url, json={"kind": "leave", "reason": "ลาป่วย"}, headers=bearer(organizer))
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["text"] == "ลา (ลาป่วย)"
    refused = client.put(
        f"/api/v1/registrations/{registration.id}/excuses/{workshop.sessions[0].id}",
        json={"kind": "leave"},
        headers=bearer(organizer),
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "not_allowed"

    mine = client.get(
        f"/api/v1/registrations/{registration.id}/attendance", headers=bearer(officer)
    )
    assert mine.status_code == 200
    figures = mine.get_json()
    assert figures["rule"] == "hours"
    assert (figures["hours_present"], figures["hours_excused"], figures["hours_total"]) == (
        6.0,
        6.0,
        12.0,
    )
    assert (figures["sessions_present"], figures["sessions_excused"]) == (1, 1)
    assert figures["certificate_state"] == "short"
    assert figures["meets_rule"] is False
    assert figures["message"].startswith("ไม่ได้รับเกียรติบัตร: เข้าร่วม 6 จาก 12 ชั่วโมง")

    gone = client.delete(url, headers=bearer(organizer))
    assert gone.status_code == 200
    assert client.delete(url, headers=bearer(organizer)).status_code == 404


# ---------------------------------------------------------------- check-out


def test_with_check_out_hours_come_from_the_scans(venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=2, checkout_enabled=True)
    stayed, left_early, forgot = make_officers(3)
    first, second = workshop.sessions  # 09.00–16.00 on two days: 6 hours each
    whole = seat(workshop, stayed, organizer)
    early = seat(workshop, left_early, organizer)
    never = seat(workshop, forgot, organizer)
    for session in (first, second):
        day = (session.starts_at + timedelta(hours=7)).date()
        check_in(whole, session, at(8, 50, day), at(16, 5, day))
        check_in(early, session, at(9, 0, day), at(12, 0, day))
        check_in(never, session, at(9, 0, day), None)

    assert explain_eligibility(whole).state == CertificateState.ELIGIBLE
    short = explain_eligibility(early)
    assert short.state == CertificateState.SHORT
    assert short.message.startswith("ไม่ได้รับเกียรติบัตร: เข้าร่วม 6 จาก 12 ชั่วโมง")
    forgotten = explain_eligibility(never)
    assert forgotten.state == CertificateState.SHORT
    assert "ไม่ได้สแกนออก 2 ช่วง จึงไม่นับชั่วโมงของช่วงนั้น" in forgotten.message


@pytest.fixture
def door(venue, organizer):
    """A workshop running now that scans people out, with one confirmed officer checked in."""
    workshop = running_workshop(venue, organizer)
    workshop.checkout_enabled = True
    db.session.commit()
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer)
    # Registered well before the session (offline scans are judged by the seat held then).
    earlier = datetime.now(UTC) - timedelta(days=2)
    registration.created_at = registration.confirmed_at = earlier
    for change in RegistrationStatusChange.query.filter_by(registration_id=registration.id):
        change.changed_at = earlier
    db.session.commit()
    return workshop, workshop.sessions[0], registration


def test_door_staff_scan_people_out_through_the_api(client, staff, door):
    _workshop, session, registration = door
    auth = bearer(staff)
    ticket = ticket_token(registration)

    not_yet = client.post(
        "/api/v1/checkouts", json={"session_id": session.id, "ticket": ticket}, headers=auth
    )
    assert not_yet.status_code == 409
    assert not_yet.get_json()["error"]["code"] == "not_checked_in"

    def scan(path: str, minutes_ago: int) -> dict:
        moment = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
        body = {"session_id": session.id, "ticket": ticket, "scanned_at": moment}
        response = client.post(path, json={**body, "method": "offline"}, headers=auth)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    scan("/api/v1/checkins", 15)
    body = scan("/api/v1/checkouts", 5)
    assert body["result"] == "checked_out"
    assert body["person"]["registration_id"] == registration.id
    assert 0 < body["hours"] <= float(session.hours)
    # A scan queued offline earlier than the one recorded changes nothing; a later one counts.
    stale = scan("/api/v1/checkouts", 10)
    assert stale["result"] == "already_checked_out"
    assert stale["checked_out_at"] == body["checked_out_at"]
    later = scan("/api/v1/checkouts", 1)
    assert later["result"] == "checked_out"
    assert later["checked_out_at"] > body["checked_out_at"]
    assert later["hours"] > body["hours"]
    row = CheckIn.query.one()
    db.session.refresh(row)
    assert row.checked_out_at is not None and row.checkout_staff_id == staff.id


def test_an_offline_check_out_is_judged_by_the_ticket_and_seat_at_its_scan_time(
    client, staff, organizer, door
):
    """As an offline check-in (issue 12 §2): a ticket reissued, or a registration cancelled,
    after the exit scanned it does not lose the check-out when the door syncs."""
    from workshop.services.registrations import cancel_registration, rotate_ticket

    _workshop, session, registration = door
    auth = bearer(staff)
    old = ticket_token(registration)

    def sync(path: str, ticket: str, moment: datetime):
        body = {"session_id": session.id, "ticket": ticket, "scanned_at": moment.isoformat()}
        return client.post(path, json={**body, "method": "offline"}, headers=auth)

    came = sync("/api/v1/checkins", old, datetime.now(UTC) - timedelta(minutes=20))
    assert came.status_code == 201
    left = datetime.now(UTC) - timedelta(minutes=10)  # the exit is offline
    rotate_ticket(registration, organizer)
    after_reissue = datetime.now(UTC)

    synced = sync("/api/v1/checkouts", old, left)
    assert synced.status_code == 200, synced.get_json()
    assert synced.get_json()["result"] == "checked_out"
    assert synced.get_json()["checked_out_at"] == left.isoformat().replace("+00:00", "Z")
    # Scanned after the reissue, the old ticket is refused; online too.
    stale = sync("/api/v1/checkouts", old, after_reissue)
    assert stale.get_json()["error"]["code"] == "invalid_ticket"
    online = client.post(
        "/api/v1/checkouts", json={"session_id": session.id, "ticket": old}, headers=auth
    )
    assert online.get_json()["error"]["code"] == "invalid_ticket"

    new = ticket_token(db.session.get(Registration, registration.id))
    later = datetime.now(UTC)  # scanned out again, then cancelled before the door synced
    cancel_registration(registration.id, organizer)
    synced = sync("/api/v1/checkouts", new, later)
    assert synced.status_code == 200, synced.get_json()
    assert synced.get_json()["person"]["status"] == "cancelled"
    db.session.expire_all()
    assert CheckIn.query.one().checked_out_at == later
    # Scanned after the cancellation: no seat then, refused.
    refused = sync("/api/v1/checkouts", new, datetime.now(UTC))
    assert refused.get_json()["error"]["code"] == "not_confirmed"


def test_an_exit_scan_refused_at_sync_is_kept_for_the_organizer(client, staff, organizer, door):
    """Whatever a door queued offline and the server refused is shown to the organizer, the
    exit's scans too (issue 12 §2): they are listed as check-outs, to dismiss, not to accept
    as a check-in; the scanner's message says the organizer finds them there."""
    from workshop.models import RefusedScan
    from workshop.services.registrations import rotate_ticket

    workshop, session, registration = door
    auth = bearer(staff)
    old = ticket_token(registration)
    rotate_ticket(registration, organizer)
    scanned_at = datetime.now(UTC)  # after the reissue: an exit with a stale roster let it out
    body = {"session_id": session.id, "ticket": old, "scanned_at": scanned_at.isoformat()}

    for _ in range(2):  # a door that lost the answer sends again: kept once
        refused = client.post("/api/v1/checkouts", json={**body, "method": "offline"}, headers=auth)
        assert refused.get_json()["error"]["code"] == "invalid_ticket"
        assert refused.get_json()["error"]["kept_for_organizer"] is True
    new = ticket_token(db.session.get(Registration, registration.id))
    never_in = {"session_id": session.id, "ticket": new, "scanned_at": scanned_at.isoformat()}
    refused = client.post("/api/v1/checkouts", json={**never_in, "method": "offline"}, headers=auth)
    assert refused.get_json()["error"]["code"] == "not_checked_in"
    # An online scan refused at the exit is answered at once, not kept.
    online = client.post(
        "/api/v1/checkouts", json={"session_id": session.id, "ticket": old}, headers=auth
    )
    assert online.status_code == 400
    assert "kept_for_organizer" not in online.get_json()["error"]

    kept = RefusedScan.query.order_by(RefusedScan.id).all()
    assert [(k.registration_id, k.code, k.checkout) for k in kept] == [
        (registration.id, "invalid_ticket", True),
        (registration.id, "not_checked_in", True),
    ]
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}"
    html = client.get(page).get_data(as_text=True)
    assert "ผลสแกนที่ถูกปฏิเสธเมื่อซิงก์" in html
    assert "ผู้นี้ยังไม่ได้เช็กอินช่วงนี้ จึงสแกนออกไม่ได้" in html
    rows = re.findall(r'<tr data-refused-id="\d+".*?</tr>', html, re.S)
    assert len(rows) == 2 and all("สแกนออก" in row for row in rows)
    # Nothing to check in: no "record attendance", and the form refuses it if sent anyway.
    assert "/accept" not in html
    accept = f"/organizer/refused-scans/{kept[0].id}/accept"
    submit_form(client, page, {"reason": "ตรวจแล้ว"}, action=accept)
    assert CheckIn.query.count() == 0
    assert (
        submit_form(
            client, page, {}, action=f"/organizer/refused-scans/{kept[0].id}/dismiss"
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(RefusedScan, kept[0].id).resolved_at is not None
    submit_form(client, page, {}, action="/auth/logout")
    login(client, registration.user)
    exported = client.get("/auth/my-data.json").get_json()["refused_scans"]
    assert [(r["check_out"], r["reason"]) for r in exported] == [
        (True, "บัตรไม่ถูกต้อง หรือเป็นบัตรเดิมที่ออกใหม่ไปแล้วก่อนเวลาสแกน"),
        (True, "ผู้นี้ยังไม่ได้เช็กอินช่วงนี้ จึงสแกนออกไม่ได้"),
    ]


def test_check_out_is_refused_where_the_workshop_does_not_scan_out(client, staff, door):
    workshop, session, registration = door
    workshop.checkout_enabled = False
    db.session.commit()
    check_in(registration, session)

    response = client.post(
        "/api/v1/checkouts",
        json={"session_id": session.id, "registration_id": registration.id},
        headers=bearer(staff),
    )

    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "การอบรมนี้ไม่ได้ใช้การสแกนออก"
    # Nor is the exit page there.
    login(client, staff)
    assert client.get(f"/checkin/{workshop.id}/{session.id}?mode=out").status_code == 404


def test_the_door_page_has_an_exit_mode_when_the_workshop_scans_out(client, staff, door):
    workshop, session, _registration = door
    login(client, staff)

    html = client.get(f"/checkin/{workshop.id}/{session.id}?mode=out").get_data(as_text=True)

    assert 'data-mode="out"' in html
    assert "พร้อมสแกนออก" in html
    assert '"mode": "out"' in html and "/api/v1/checkouts" in html
    entrance = client.get(f"/checkin/{workshop.id}/{session.id}").get_data(as_text=True)
    assert "สแกนออก (ทางออก)" in entrance and 'data-mode="in"' in entrance


# ---------------------------------------------------------------- reports and the officer


@pytest.fixture
def reported(venue, organizer):
    """Two 6-hour days: กิ่งแก้ว came to both, สมชาย to the first and was on official duty
    for the second, น้ำฝน never came (on leave the first day)."""
    workshop = finished_workshop(venue, organizer, sessions=2)
    people = make_officers(3, prefix="report")
    for officer, (first, last) in zip(
        people, (("กิ่งแก้ว", "ปิ่นทอง"), ("สมชาย", "ใจดี"), ("น้ำฝน", "ศรีสุข")), strict=True
    ):
        officer.first_name, officer.last_name = first, last
    db.session.commit()
    both = seat(workshop, people[0], organizer, attended=2)
    one = seat(workshop, people[1], organizer, attended=1)
    none = seat(workshop, people[2], organizer)
    excuse_absence(one.id, workshop.sessions[1].id, "official_duty", "", organizer)
    excuse_absence(none.id, workshop.sessions[0].id, "leave", "", organizer)
    return workshop, (both, one, none)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    return " ".join(out.stdout.split())


def test_reports_count_excused_apart_from_absent(client, organizer, reported, tmp_path):
    workshop, _ = reported
    login(client, organizer)
    base = f"/organizer/workshops/{workshop.id}"

    html = client.get(f"{base}/report").get_data(as_text=True)
    assert "เกณฑ์: เข้าร่วมอย่างน้อย 80% ของเวลาอบรม (9.6 จาก 12 ชั่วโมง)" in html
    # Per session: checked in, excused, absent (first: 2 in, 1 on leave; second: 1, 1, 1).
    assert '<td class="num">2</td><td class="num">1</td><td class="num">0</td>' in html
    assert '<td class="num">1</td><td class="num">1</td><td class="num">1</td>' in html

    text = pdf_text(client.get(f"{base}/report.pdf").data, tmp_path)
    assert "ลา/ไปราชการ (คน-ช่วง) 2" in text
    assert "ชั่วโมงอบรมทั้งหมด 12" in text
    assert "เข้าร่วมอย่างน้อย 80% ของเวลาอบรม (9.6 จาก 12 ชั่วโมง)" in text

    sheet = load_workbook(io.BytesIO(client.get(f"{base}/attendance.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[-4:] == (
        "ชั่วโมงที่เข้าร่วม (จาก 12)",
        "ลา/ไปราชการ (ช่วง)",
        "เข้าร่วม (ช่วง จาก 2)",
        "มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร",
    )
    by_first = {row[2]: row for row in rows[1:]}
    assert by_first["กิ่งแก้ว"][-4:] == (12, 0, 2, "ใช่")
    assert by_first["สมชาย"][-4:] == (6, 1, 1, "ไม่")
    assert by_first["สมชาย"][11] == "ไปราชการ"
    assert by_first["น้ำฝน"][10] == "ลา" and by_first["น้ำฝน"][11] is None


def test_the_officers_page_explains_hours(client, reported):
    _workshop, (_both, one, _none) = reported
    login(client, one.user)

    html = client.get("/my/registrations").get_data(as_text=True)

    assert "ไม่ได้รับเกียรติบัตร: เข้าร่วม 6 จาก 12 ชั่วโมง ต่ำกว่าเกณฑ์ 80%" in html
    assert "ลาหรือไปราชการ 1 ช่วง ซึ่งไม่นับตามเกณฑ์" in html


def test_session_attendance_page_lists_who_came_who_was_excused_and_who_was_absent(
    client, organizer, reported
):
    workshop, (both, one, none) = reported
    login(client, organizer)
    second = workshop.sessions[1]

    html = client.get(
        f"/organizer/workshops/{workshop.id}/sessions/{second.id}/attendance"
    ).get_data(as_text=True)

    assert f'id="registration-{both.id}" data-state="present"' in html
    assert f'id="registration-{one.id}" data-state="excused"' in html
    assert f'id="registration-{none.id}" data-state="absent"' in html
    assert html.index("กิ่งแก้ว") < html.index("น้ำฝน") < html.index("สมชาย")  # Thai order


def test_excuses_are_in_the_persons_data_and_their_reasons_go_with_the_account(client, reported):
    from tests.support import PASSWORD

    _workshop, (_both, one, _none) = reported
    excuse = ExcusedAbsence.query.filter_by(registration_id=one.id).one()
    excuse.reason = "ป่วยเป็นไข้เลือดออก"  # health: personal data of a sensitive kind
    db.session.commit()
    auth = bearer(one.user)

    data = client.get("/api/v1/me/data", headers=auth).get_json()
    assert [(e["kind"], e["reason"]) for e in data["excused_absences"]] == [
        ("official_duty", "ป่วยเป็นไข้เลือดออก")
    ]
    assert all("checked_out_at" in c for c in data["check_ins"])

    deleted = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=auth)
    assert deleted.status_code == 200, deleted.get_json()
    db.session.rollback()
    kept = ExcusedAbsence.query.filter_by(registration_id=one.id).one()
    assert (kept.kind, kept.reason) == ("official_duty", "")


def test_a_stale_edit_does_not_report_hours_left_blank_as_a_difference(client, organizer, venue):
    """The edit form shows default hours blank: when someone else saved meanwhile, the refused
    edit lists what really differs, not the sessions' hours (blank against their value)."""
    from tests.support import form_values

    workshop = create_workshop(workshop_input(venue), organizer)
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/edit"
    loaded = form_values(client.get(page).get_data(as_text=True), "title")
    assert loaded["sessions-0-hours"] == ""
    changed = client.patch(
        f"/api/v1/workshops/{workshop.id}", json={"capacity": 90}, headers=bearer(organizer)
    )
    assert changed.status_code == 200

    refused = client.post(page, data={**loaded, "title": "ชื่อใหม่"})

    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "จำนวนที่รับ (คน): ค่าของคุณ" in text
    assert "กำหนดการ: ค่าของคุณ" not in text
