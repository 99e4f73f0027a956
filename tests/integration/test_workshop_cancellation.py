"""Cancelling a workshop: the confirmation page, the reason, the notices, and what stops after."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from tests.conftest import FreshGlobalsClient
from tests.support import (
    PASSWORD,
    WALK_IN_FORM,
    error_block,
    finished_workshop,
    login,
    make_officers,
    my_certificate,
    open_workshop,
    running_workshop,
    seat,
    submit_form,
)
from workshop.extensions import db
from workshop.models import AuditEvent, CheckIn, Notification, Registration, User, Workshop
from workshop.services.accounts import issue_api_token
from workshop.services.certificates import CertificateState, explain_eligibility
from workshop.services.errors import InvalidStatusChange, NotEligible, ValidationFailed
from workshop.services.registrations import register_officer
from workshop.services.tickets import ticket_token
from workshop.services.workshops import cancel_workshop, change_status

REASON = "วิทยากรติดภารกิจเร่งด่วนของกระทรวง จึงขอเลื่อนการอบรมออกไปก่อน"


def new_client(app: Flask) -> FlaskClient:
    app.test_client_class = FreshGlobalsClient
    return app.test_client()


def stored(workshop_id: int) -> Workshop:
    db.session.expire_all()
    return db.session.get(Workshop, workshop_id)


def outbox(app: Flask) -> set[Path]:
    folder = Path(app.instance_path) / "outbox"
    return set(folder.glob("*.eml")) if folder.exists() else set()


@pytest.fixture
def people(app, client, venue, organizer):
    """An upcoming workshop with three seats: two officers and a walk-in without e-mail hold
    them, a third officer waits. ``client`` is signed in as the organizer."""
    workshop = open_workshop(venue, organizer, capacity=3)
    first, second, waiting = make_officers(3)
    seated = [register_officer(workshop.id, officer) for officer in (first, second)]
    login(client, organizer)
    response = submit_form(client, f"/organizer/workshops/{workshop.id}/walk-in", WALK_IN_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    waitlisted = register_officer(workshop.id, waiting)
    assert waitlisted.status == "waitlisted"
    officers = [first.id, second.id, waiting.id]
    walk_in = Registration.query.filter(Registration.user_id.notin_(officers)).one()
    assert not walk_in.user.mailable
    return workshop, seated, walk_in, waitlisted


def cancel_page(workshop) -> str:
    return f"/organizer/workshops/{workshop.id}/cancel"


def rows_written() -> tuple[int, int, int]:
    db.session.expire_all()
    return (
        Notification.query.count(),
        AuditEvent.query.filter(AuditEvent.action.like("workshop.%")).count(),
        Registration.query.filter_by(status="cancelled").count(),
    )


# ---------------------------------------------------------------- the confirmation step


def test_cancel_button_opens_a_page_that_says_what_will_happen(client, people):
    workshop = people[0]
    before = rows_written()

    detail = client.get(f"/organizer/workshops/{workshop.id}").get_data(as_text=True)
    assert f'href="{cancel_page(workshop)}"' in detail
    response = client.get(cancel_page(workshop))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert workshop.title in html
    assert "ผู้ได้ที่นั่ง 3 คน และผู้อยู่ในรายชื่อสำรอง 1 คน จะได้รับอีเมลแจ้งการยกเลิก" in html
    assert "ในจำนวนนี้ 1 คนลงทะเบียนหน้างานโดยไม่มีอีเมล จะไม่ได้รับอีเมล" in html
    assert "บัตร QR ทุกใบจะใช้เช็กอินไม่ได้ และจะไม่มีการออกเกียรติบัตร" in html
    assert "ยกเลิกแล้วเปลี่ยนกลับไม่ได้" in html
    assert 'name="reason"' in html and 'maxlength="500"' in html
    assert 'name="csrf_token"' in html
    assert "<script" not in html.split("</header>")[1].split("</main>")[0]
    assert stored(workshop.id).status == "published"
    assert rows_written() == before


def test_workshop_without_registrants_says_nobody_is_told(client, venue, organizer):
    workshop = open_workshop(venue, organizer)
    login(client, organizer)

    html = client.get(cancel_page(workshop)).get_data(as_text=True)

    assert "ยังไม่มีผู้ลงทะเบียน จึงไม่มีผู้ที่ต้องแจ้ง" in html
    assert "จะได้รับอีเมล" not in html


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "กรุณาระบุเหตุผลที่ยกเลิกการอบรม"),
        (" \n\u200b ", "กรุณาระบุเหตุผลที่ยกเลิกการอบรม"),
        ("ก" * 501, "ยาวเกินไป: ไม่เกิน 500 ตัวอักษร (ตอนนี้ 501)"),
        ("สถานที่\u202eปิด", "มีอักขระควบคุมหรืออักขระที่ไม่รู้จักปนอยู่"),
    ],
)
def test_a_reason_is_required_and_nothing_changes_without_one(app, client, people, reason, message):
    workshop = people[0]
    before, mails = rows_written(), outbox(app)

    response = submit_form(client, cancel_page(workshop), {"reason": reason})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'name="reason"' in error_block(html, message)
    assert "ผู้ได้ที่นั่ง 3 คน" in html  # the page still says what would happen
    assert stored(workshop.id).status == "published"
    assert stored(workshop.id).cancel_reason == ""
    assert rows_written() == before
    assert outbox(app) == mails


def test_the_form_needs_its_csrf_token(client, people):
    workshop = people[0]

    response = client.post(cancel_page(workshop), data={"reason": REASON})

    assert response.status_code == 400
    assert stored(workshop.id).status == "published"


# ---------------------------------------------------------------- cancelling


def test_cancelling_sets_status_audits_and_mails_every_registrant_with_an_address(
    app, client, people, organizer
):
    workshop, seated, walk_in, waitlisted = people
    mails = outbox(app)

    response = submit_form(client, cancel_page(workshop), {"reason": f"  {REASON}  "})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/organizer/workshops/{workshop.id}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ยกเลิกการอบรมแล้ว ส่งอีเมลแจ้งผู้ลงทะเบียน 3 คน" in html
    assert "ผู้ลงทะเบียนหน้างาน 1 คนไม่มีอีเมล กรุณาแจ้งการยกเลิกด้วยวิธีอื่น" in html
    assert f"เหตุผล: {REASON}" in html
    assert f'href="{cancel_page(workshop)}"' not in html  # no second cancel button

    row = stored(workshop.id)
    assert row.status == "cancelled"
    assert row.cancel_reason == REASON  # trimmed
    assert row.cancelled_at is not None
    event = AuditEvent.query.filter_by(action="workshop.cancel").one()
    assert event.actor_id == organizer.id
    assert (event.entity_type, event.entity_id) == ("workshops", workshop.id)
    assert event.details == {
        "from": "published",
        "reason": REASON,
        "confirmed": 3,
        "waitlisted": 1,
        "notified": 3,
    }
    # Registrations keep their status: the record shows who was affected.
    statuses = {r.id: r.status for r in Registration.query}
    assert statuses == {
        seated[0].id: "confirmed",
        seated[1].id: "confirmed",
        walk_in.id: "confirmed",
        waitlisted.id: "waitlisted",
    }

    notices = Notification.query.filter_by(event="workshop_cancelled").all()
    mailable = {seated[0].id, seated[1].id, waitlisted.id}
    assert {n.registration_id for n in notices} == mailable
    assert all(n.sent_at is not None for n in notices)  # delivered after the commit
    assert Notification.query.count() == len(notices) + 3  # + their registration notices

    new = sorted(outbox(app) - mails)
    assert len(new) == 3
    received = {}
    for path in new:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        received[message["To"].addresses[0].addr_spec] = message
        assert str(message["Subject"]) == f"ยกเลิกการอบรม: {workshop.title}"
        text = message.get_body(("plain",)).get_content()
        assert f"เหตุผลที่ยกเลิก: {REASON}" in text
        assert "ผู้จัดได้ยกเลิกการอบรมต่อไปนี้ที่ท่านลงทะเบียนไว้" in text
        assert "รหัสบัตรเข้างาน" not in text  # no ticket in a cancellation
        assert REASON in message.get_body(("html",)).get_content()
        (calendar,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        parsed = Calendar.from_ical(calendar.get_content())
        assert str(parsed["METHOD"]) == "CANCEL"
        assert len(list(parsed.walk("VEVENT"))) == len(workshop.sessions)
    expected = {db.session.get(Registration, i).user.email for i in mailable}
    assert set(received) == expected


def test_cancelled_is_final(client, people):
    workshop = people[0]
    assert submit_form(client, cancel_page(workshop), {"reason": REASON}).status_code == 302
    before = rows_written()

    again = client.get(cancel_page(workshop))
    assert again.status_code == 302
    assert "การอบรมนี้ถูกยกเลิกไปแล้ว" in client.get(again.headers["Location"]).get_data(as_text=True)
    detail = f"/organizer/workshops/{workshop.id}"
    submit_form(client, detail, {"status": "published"}, action=f"{detail}/status")

    assert stored(workshop.id).status == "cancelled"
    assert rows_written() == before


def test_the_status_form_cannot_cancel(client, people, organizer):
    workshop = people[0]
    detail = f"/organizer/workshops/{workshop.id}"

    response = submit_form(client, detail, {"status": "cancelled"}, action=f"{detail}/status")

    assert response.headers["Location"] == cancel_page(workshop)
    assert stored(workshop.id).status == "published"
    with pytest.raises(ValidationFailed) as refused:
        change_status(stored(workshop.id), "cancelled", organizer)
    assert "reason" in refused.value.fields
    assert stored(workshop.id).status == "published"
    assert Notification.query.filter_by(event="workshop_cancelled").count() == 0


# ---------------------------------------------------------------- the JSON API


def api_patch(client, workshop_id: int, body, user: User):
    headers = {"Authorization": f"Bearer {issue_api_token(user, 1)}"}
    return client.patch(f"/api/v1/workshops/{workshop_id}", json=body, headers=headers)


@pytest.mark.parametrize(
    "body",
    [
        {"status": "cancelled"},
        {"status": "cancelled", "reason": "   "},
        {"status": "cancelled", "title": "ชื่อใหม่"},
        {"reason": REASON},
        {"status": "closed", "reason": REASON},
    ],
)
def test_api_refuses_to_cancel_without_a_reason(client, people, organizer, body):
    workshop = people[0]
    before = rows_written()

    response = api_patch(client, workshop.id, body, organizer)

    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == ["reason"]
    assert error["fields"]["reason"]
    row = stored(workshop.id)
    assert (row.status, row.title) == ("published", workshop.title)
    assert rows_written() == before


def test_api_cancels_with_a_reason_like_the_page(client, people, organizer):
    workshop = people[0]

    response = api_patch(client, workshop.id, {"status": "cancelled", "reason": REASON}, organizer)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "cancelled"
    assert response.json["cancel_reason"] == REASON
    assert response.json["cancelled_at"].endswith("Z")
    assert AuditEvent.query.filter_by(action="workshop.cancel").one().details["reason"] == REASON
    assert Notification.query.filter_by(event="workshop_cancelled").count() == 3
    again = api_patch(client, workshop.id, {"status": "published"}, organizer)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "invalid_status_change"


def test_openapi_documents_the_reason(client):
    document = client.get("/api/v1/openapi.json").json
    patch = document["paths"]["/workshops/{workshop_id}"]["patch"]
    assert "reason" in patch["description"]
    schemas = document["components"]["schemas"]
    assert "reason" in schemas["WorkshopPatch"]["properties"]
    assert "cancel_reason" in schemas["WorkshopOut"]["properties"]
    checkins = document["paths"]["/checkins"]["post"]["description"]
    assert "workshop_cancelled" in checkins


# ---------------------------------------------------------------- consequences


def test_officer_sees_the_cancellation_and_the_reason(app, client, people):
    workshop, seated, _walk_in, waitlisted = people
    submit_form(client, cancel_page(workshop), {"reason": REASON})

    for registration in (seated[0], waitlisted):
        officer = new_client(app)
        login(officer, registration.user)
        html = officer.get("/my/registrations").get_data(as_text=True)
        assert "การอบรมถูกยกเลิก" in html
        assert "ผู้จัดยกเลิกการอบรมนี้เมื่อ" in html
        assert f"เหตุผล: {REASON}" in html
        assert "ไม่ต้องเดินทางมาเข้าร่วม บัตร QR ของการอบรมนี้ใช้ไม่ได้แล้ว" in html
        assert "qr.svg" not in html  # no ticket to show
        assert f"/my/registrations/{registration.id}/cancel" not in html
        assert "รายชื่อสำรองลำดับที่" not in html
        url = f"/my/registrations/{registration.id}"
        assert officer.get(f"{url}/qr.svg").status_code == 404
        assert officer.get(f"{url}/ticket.pdf").status_code == 404


def test_a_reason_with_markup_is_shown_as_text(app, client, people):
    workshop, seated, _walk_in, _waitlisted = people
    submit_form(client, cancel_page(workshop), {"reason": "<b>ห้องประชุม</b> ไม่ว่าง"})
    officer = new_client(app)
    login(officer, seated[0].user)

    html = officer.get("/my/registrations").get_data(as_text=True)

    assert "&lt;b&gt;ห้องประชุม&lt;/b&gt; ไม่ว่าง" in html
    assert "<b>ห้องประชุม" not in html


def test_registrations_of_a_cancelled_workshop_no_longer_change(app, client, people):
    workshop, seated, _walk_in, waitlisted = people
    submit_form(client, cancel_page(workshop), {"reason": REASON})
    before = rows_written()
    officer = new_client(app)
    login(officer, seated[0].user)
    page = "/my/registrations"

    response = submit_form(officer, page, {"reason": ""}, action=f"{page}/{seated[0].id}/cancel")

    html = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "การอบรมนี้ถูกยกเลิกแล้ว เปลี่ยนแปลงการลงทะเบียนไม่ได้" in html
    registrations = f"/organizer/workshops/{workshop.id}/registrations"
    confirm = f"/organizer/registrations/{waitlisted.id}/confirm"
    response = submit_form(client, registrations, {}, action=confirm)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "การอบรมนี้ถูกยกเลิกแล้ว เปลี่ยนแปลงการลงทะเบียนไม่ได้" in html
    assert db.session.get(Registration, seated[0].id).status == "confirmed"
    assert db.session.get(Registration, waitlisted.id).status == "waitlisted"  # not promoted
    assert rows_written() == before


def test_registering_for_a_cancelled_workshop_is_refused(app, client, venue, organizer):
    workshop = open_workshop(venue, organizer)
    cancel_workshop(workshop.id, organizer, REASON)
    (officer_user,) = make_officers(1)
    officer = new_client(app)
    login(officer, officer_user)

    response = submit_form(
        officer, f"/workshops/{workshop.id}", {}, action=f"/workshops/{workshop.id}/register"
    )

    html = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "การอบรมนี้ถูกยกเลิกแล้ว" in html
    assert Registration.query.count() == 0
    headers = {"Authorization": f"Bearer {issue_api_token(officer_user, 1)}"}
    api = officer.post(f"/api/v1/workshops/{workshop.id}/registrations", json={}, headers=headers)
    assert api.status_code == 409
    assert api.json["error"]["code"] == "registration_closed"
    assert Registration.query.count() == 0


def test_the_door_refuses_scans_after_cancellation(client, venue, organizer, staff):
    workshop = running_workshop(venue, organizer)
    first, second = make_officers(2)
    scanned = register_officer(workshop.id, first, actor=organizer)
    unscanned = register_officer(workshop.id, second, actor=organizer)
    session_id = workshop.sessions[0].id
    door = {"Authorization": f"Bearer {issue_api_token(staff, 1)}"}
    body = {"ticket": ticket_token(scanned), "session_id": session_id}
    assert client.post("/api/v1/checkins", json=body, headers=door).status_code == 201
    cancel_workshop(workshop.id, organizer, REASON)
    boss = {"Authorization": f"Bearer {issue_api_token(organizer, 1)}"}

    for headers, extra in ((door, {}), (boss, {"override_reason": "ผู้จัดอนุญาต"})):
        for registration in (scanned, unscanned):
            body = {"ticket": ticket_token(registration), "session_id": session_id, **extra}
            response = client.post("/api/v1/checkins", json=body, headers=headers)
            assert response.status_code == 409
            assert response.json["error"] == {
                "code": "workshop_cancelled",
                "message": "การอบรมนี้ถูกยกเลิกแล้ว เช็กอินไม่ได้",
            }
    by_name = {"registration_id": unscanned.id, "session_id": session_id}
    response = client.post("/api/v1/checkins", json=by_name, headers=door)
    assert response.json["error"]["code"] == "workshop_cancelled"
    # A door device refreshing its roster, or searching by name, learns it too.
    roster = client.get(
        f"/api/v1/workshops/{workshop.id}/roster?session_id={session_id}", headers=door
    )
    found = client.get(f"/api/v1/workshops/{workshop.id}/attendees?q=ทดสอบ", headers=door)
    for response in (roster, found):
        assert response.status_code == 409
        assert response.json["error"]["code"] == "workshop_cancelled"
    assert CheckIn.query.count() == 1
    # The scanner page itself is gone for a cancelled workshop.
    login(client, staff)
    assert client.get(f"/checkin/{workshop.id}/{session_id}").status_code == 404


def test_no_certificates_for_a_cancelled_workshop(app, venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=2)
    (attendee,) = make_officers(1)
    registration = seat(workshop, attendee, organizer, attended=2)
    assert explain_eligibility(registration).state == CertificateState.ELIGIBLE
    # A finished workshop people attended can no longer be cancelled (next test); one
    # cancelled before this rule, or by hand in the database, still issues nothing.
    workshop.status = "cancelled"
    db.session.commit()
    officer = new_client(app)
    login(officer, attendee)

    response = my_certificate(officer, registration.id, follow_redirects=False)

    assert response.status_code == 302
    db.session.expire_all()
    registration = db.session.get(Registration, registration.id)
    assert explain_eligibility(registration).state == CertificateState.CANCELLED
    from workshop.models import Certificate
    from workshop.services.certificates import issue_certificate

    with pytest.raises(NotEligible):
        issue_certificate(registration.id, actor=attendee)
    assert Certificate.query.count() == 0


def test_a_finished_workshop_people_attended_cannot_be_cancelled(client, venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=2)
    (attendee,) = make_officers(1)
    seat(workshop, attendee, organizer, attended=2)
    notices = Notification.query.count()
    with pytest.raises(InvalidStatusChange, match="จบแล้วและมีผู้เข้าอบรม"):
        cancel_workshop(workshop.id, organizer, REASON)
    login(client, organizer)
    detail = client.get(f"/organizer/workshops/{workshop.id}").get_data(as_text=True)
    assert f"/organizer/workshops/{workshop.id}/cancel" not in detail
    page = client.get(f"/organizer/workshops/{workshop.id}/cancel", follow_redirects=True)
    assert "จึงยกเลิกไม่ได้ ให้ปิดการรับสมัครแทน" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).status == "published"
    assert Notification.query.count() == notices


def test_a_past_workshop_nobody_attended_can_still_be_cancelled(venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=2)
    (registrant,) = make_officers(1)
    seat(workshop, registrant, organizer, attended=0)
    assert cancel_workshop(workshop.id, organizer, REASON).workshop.status == "cancelled"


@pytest.mark.parametrize("how", ["account deleted", "retention purge"])
def test_a_seat_freed_after_cancellation_promotes_nobody(app, client, people, how):
    """A seat freed in a cancelled workshop goes to nobody: promoting would mail "you have a
    seat" that contradicts the cancellation notice."""
    from workshop.services.privacy import BY_RETENTION, anonymise_account

    workshop, seated, _walk_in, waitlisted = people
    submit_form(client, cancel_page(workshop), {"reason": REASON})
    mails = outbox(app)
    leaving = seated[0].user

    if how == "account deleted":
        officer = new_client(app)
        login(officer, leaving)
        response = submit_form(officer, "/auth/delete", {"password": PASSWORD, "understood": "y"})
        assert response.status_code == 302, response.get_data(as_text=True)
    else:
        # The purge's unit of work, for an account whose seat is in a workshop not yet over.
        anonymise_account(leaving.id, BY_RETENTION)

    db.session.expire_all()
    assert db.session.get(User, leaving.id).deleted
    assert db.session.get(Registration, seated[0].id).status == "cancelled"
    assert db.session.get(Registration, waitlisted.id).status == "waitlisted"
    assert stored(workshop.id).confirmed_count == 2  # the freed seat stays free
    assert Notification.query.filter_by(event="promoted").count() == 0
    assert outbox(app) == mails  # nothing mailed: the leaver's address is gone, nobody promoted
    promotions = AuditEvent.query.filter_by(action="registration.promote").count()
    assert promotions == 0
