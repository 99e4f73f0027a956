"""Offline scans that sync late, back-dated check-ins, scans refused at sync, and the one
"checked in" figure of the door, the roster and the report (issues 11 §1 and 12 §2, §4)."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.support import (
    finished_workshop,
    login,
    make_officers,
    running_workshop,
    submit_form,
)
from workshop.extensions import db
from workshop.models import (
    AuditEvent,
    CheckIn,
    CheckInTally,
    RefusedScan,
    Registration,
    RegistrationStatusChange,
    User,
)
from workshop.services.accounts import issue_api_token
from workshop.services.checkins import check_in
from workshop.services.errors import NotConfirmed
from workshop.services.registrations import (
    cancel_registration,
    confirm_waitlisted,
    move_to_waitlist,
    register_officer,
    rotate_ticket,
)
from workshop.services.reports import workshop_report
from workshop.services.tickets import ticket_token


def auth(user) -> dict:
    return {"Authorization": f"Bearer {issue_api_token(user, 1)}"}


def sync(client, headers, token: str, session_id: int, scanned_at: datetime, **extra):
    """What scanner.js sends for a scan it queued while offline."""
    body = {
        "ticket": token,
        "session_id": session_id,
        "scanned_at": scanned_at.isoformat(),
        "method": "offline",
        **extra,
    }
    return client.post("/api/v1/checkins", json=body, headers=headers)


def seated_since(registration: Registration, when: datetime) -> None:
    """Back-date a registration's history: confirmed since ``when`` (for past sessions)."""
    db.session.execute(
        update(RegistrationStatusChange)
        .where(RegistrationStatusChange.registration_id == registration.id)
        .values(changed_at=when)
    )
    registration.confirmed_at = when
    db.session.commit()


def now() -> datetime:
    return datetime.now(UTC)


def roster_counts(client, headers, workshop_id: int, session_id: int) -> dict:
    response = client.get(
        f"/api/v1/workshops/{workshop_id}/roster?session_id={session_id}", headers=headers
    )
    assert response.status_code == 200
    return response.json["counts"]


@pytest.fixture
def door(venue, organizer):
    """A session running now; three seated officers and one waiting."""
    workshop = running_workshop(venue, organizer, capacity=3)
    officers = make_officers(4)
    registrations = [register_officer(workshop.id, o, actor=organizer) for o in officers]
    assert [r.status for r in registrations] == ["confirmed"] * 3 + ["waitlisted"]
    return workshop, workshop.sessions[0], registrations


# ------------------------------------------------------------------ back-dated check-ins


def test_staff_cannot_check_anyone_in_to_a_session_long_over(client, staff, organizer, venue):
    workshop = finished_workshop(venue, organizer, sessions=1)  # October 2015
    session = workshop.sessions[0]
    (someone,) = make_officers(1)
    registration = register_officer(workshop.id, someone, actor=organizer)
    seated_since(registration, session.starts_at - timedelta(days=7))
    during = session.starts_at + timedelta(hours=1)

    refused = sync(client, auth(staff), ticket_token(registration), session.id, during)

    assert (refused.status_code, refused.json["error"]["code"]) == (409, "sync_too_late")
    assert CheckIn.query.count() == 0
    # Nothing the door scanned is dropped: the organizer sees it.
    kept = RefusedScan.query.one()
    assert (kept.registration_id, kept.code, kept.scanned_at) == (
        registration.id,
        "sync_too_late",
        during,
    )
    certificate = client.post(
        f"/api/v1/registrations/{registration.id}/certificate", headers=auth(someone)
    )
    assert certificate.status_code == 403

    # Only an organizer's override, with a reason, checks the person in; it is audited.
    by_staff = sync(
        client, auth(staff), ticket_token(registration), session.id, during, override_reason="x"
    )
    assert by_staff.status_code == 409
    allowed = sync(
        client,
        auth(organizer),
        ticket_token(registration),
        session.id,
        during,
        override_reason="ใบเซ็นชื่อเข้าอบรมยืนยัน",
    )
    assert allowed.status_code == 201, allowed.json
    assert allowed.json["checked_in_at"] == during.isoformat().replace("+00:00", "Z")
    event = AuditEvent.query.filter_by(action="checkin.override").one()
    assert event.details["reason"] == "ใบเซ็นชื่อเข้าอบรมยืนยัน"


@pytest.fixture
def ended_three_hours_ago(venue, organizer):
    """A session that ended three hours ago (its check-in window closed 2½ hours ago)."""
    from tests.support import workshop_input
    from workshop.services.workshops import SessionInput, change_status, create_workshop

    start = now().replace(microsecond=0) - timedelta(hours=6)
    data = workshop_input(
        venue,
        registration_opens_at=start - timedelta(days=10),
        registration_closes_at=start - timedelta(days=1),
        sessions=[
            SessionInput(title="ภาคเช้า", starts_at=start, ends_at=start + timedelta(hours=3))
        ],
    )
    workshop = change_status(create_workshop(data, organizer), "published", organizer)
    (someone,) = make_officers(1)
    registration = register_officer(workshop.id, someone, actor=organizer)
    seated_since(registration, start - timedelta(days=2))
    return workshop.sessions[0], registration


def test_offline_scans_sync_within_the_grace_after_the_window(
    app, client, staff, ended_three_hours_ago
):
    session, registration = ended_three_hours_ago
    during = session.starts_at + timedelta(minutes=10)
    app.config["CHECKIN_SYNC_HOURS"] = 2  # the door came back 2½ h after closing: too late
    try:
        late = sync(client, auth(staff), ticket_token(registration), session.id, during)
    finally:
        app.config["CHECKIN_SYNC_HOURS"] = 24
    assert (late.status_code, late.json["error"]["code"]) == (409, "sync_too_late")

    synced = sync(client, auth(staff), ticket_token(registration), session.id, during)

    assert synced.status_code == 201, synced.json
    assert synced.json["checked_in_at"] == during.isoformat().replace("+00:00", "Z")
    # Without scanned_at the server's time counts, and the window is closed.
    online = client.post(
        "/api/v1/checkins",
        json={"ticket": ticket_token(registration), "session_id": session.id},
        headers=auth(staff),
    )
    assert online.json["error"]["code"] == "session_not_open"


def test_earliest_wins_only_for_syncs(client, staff, organizer, venue):
    workshop = finished_workshop(venue, organizer, sessions=1)
    session = workshop.sessions[0]
    (someone,) = make_officers(1)
    registration = register_officer(workshop.id, someone, actor=organizer)
    seated_since(registration, session.starts_at - timedelta(days=7))
    noon = session.starts_at + timedelta(hours=3)
    first = sync(
        client, auth(organizer), ticket_token(registration), session.id, noon, override_reason="ok"
    )
    assert first.status_code == 201
    # A back-dated time may not move the check-in earlier: this is no offline sync in time.
    earlier = session.starts_at + timedelta(minutes=5)
    moved = sync(
        client,
        auth(organizer),
        ticket_token(registration),
        session.id,
        earlier,
        override_reason="ok",
    )
    assert moved.json["result"] == "already_checked_in"
    assert moved.json["checked_in_at"] == noon.isoformat().replace("+00:00", "Z")
    db.session.expire_all()
    assert CheckIn.query.one().scanned_at == noon


def test_check_out_times_are_bounded_as_check_in_times_are(
    app, client, staff, organizer, ended_three_hours_ago
):
    """A scan out carries the door's time too, and moves the hours a certificate counts: it
    is believed only while the door syncs within the grace, and never ahead of the server."""
    session, registration = ended_three_hours_ago
    session.workshop.checkout_enabled = True
    db.session.commit()
    token = ticket_token(registration)
    arrived = session.starts_at + timedelta(minutes=5)
    assert sync(client, auth(staff), token, session.id, arrived).status_code == 201

    def scan_out(scanned_at: datetime):
        body = {
            "ticket": token,
            "session_id": session.id,
            "scanned_at": scanned_at.isoformat(),
            "method": "offline",
        }
        return client.post("/api/v1/checkouts", json=body, headers=auth(staff))

    def checked_out_at():
        db.session.expire_all()
        return CheckIn.query.one().checked_out_at

    ahead = scan_out(now() + timedelta(hours=1))
    assert (ahead.status_code, ahead.json["error"]["code"]) == (422, "validation_failed")
    assert "scanned_at" in ahead.json["error"]["fields"]
    left = session.ends_at - timedelta(minutes=30)
    app.config["CHECKIN_SYNC_HOURS"] = 2  # the window closed 2½ hours ago: too late
    try:
        late = scan_out(left)
    finally:
        app.config["CHECKIN_SYNC_HOURS"] = 24
    assert (late.status_code, late.json["error"]["code"]) == (409, "sync_too_late")
    assert checked_out_at() is None

    synced = scan_out(left)

    assert synced.status_code == 200, synced.json
    assert synced.json["result"] == "checked_out"
    assert checked_out_at() == left


def test_scan_before_a_cancellation_counts_when_it_syncs(client, staff, organizer, door):
    _workshop, session, (scanned, *_others) = door
    token = ticket_token(scanned)
    scanned_at = now()  # the door is offline
    cancel_registration(scanned.id, organizer, reason="ยกเลิกหลังเข้างาน")

    synced = sync(client, auth(staff), token, session.id, scanned_at)

    assert synced.status_code == 201, synced.json
    assert synced.json["result"] == "checked_in"
    assert synced.json["person"]["status"] == "cancelled"
    assert CheckIn.query.filter_by(registration_id=scanned.id).count() == 1
    assert RefusedScan.query.count() == 0
    # The person is no longer registered, so the counter (of confirmed people) does not count
    # them: the same figure as an online door that scanned them before the cancellation.
    assert synced.json["counts"] == {"checked_in": 0, "confirmed": 3}


def test_scan_before_a_move_to_the_waitlist_counts_when_it_syncs(client, staff, organizer, door):
    _workshop, session, (scanned, *_rest) = door
    scanned_at = now()
    move_to_waitlist(scanned.id, organizer)

    synced = sync(client, auth(staff), ticket_token(scanned), session.id, scanned_at)

    assert synced.status_code == 201, synced.json
    assert synced.json["counts"]["checked_in"] == 0
    confirm_waitlisted(scanned.id, organizer)  # seated again: the check-in counts again
    again = client.post(
        "/api/v1/checkins",
        json={"ticket": ticket_token(scanned), "session_id": session.id},
        headers=auth(staff),
    )
    assert again.json["result"] == "already_checked_in"
    assert again.json["counts"]["checked_in"] == 1


def test_scan_while_waiting_is_refused_at_sync_even_if_seated_since(client, staff, organizer, door):
    _workshop, session, (seated, _b, _c, waiting) = door
    scanned_at = now()  # waitlisted when the offline door scanned
    cancel_registration(seated.id, organizer)  # the waiting officer gets the seat
    db.session.expire_all()
    assert db.session.get(Registration, waiting.id).status == "confirmed"

    synced = sync(client, auth(staff), ticket_token(waiting), session.id, scanned_at)

    assert (synced.status_code, synced.json["error"]["code"]) == (409, "not_confirmed")
    assert synced.json["error"]["kept_for_organizer"] is True  # the door says who will see it
    assert CheckIn.query.count() == 0
    kept = RefusedScan.query.one()
    assert (kept.registration_id, kept.code) == (waiting.id, "not_confirmed")


def test_a_refusal_that_is_not_kept_does_not_say_it_is(client, staff, organizer, door):
    """A synced scan of a session that does not exist is refused but kept nowhere, so the
    door must not tell staff that the organizer will find it; an online scan never says so."""
    _workshop, session, (holder, *_rest) = door

    synced = sync(client, auth(staff), ticket_token(holder), 999_999, now())
    online = client.post(
        "/api/v1/checkins", json={"ticket": "A" * 20, "session_id": session.id}, headers=auth(staff)
    )

    assert (synced.status_code, synced.json["error"]["code"]) == (404, "not_found")
    assert online.json["error"]["code"] == "invalid_ticket"
    assert "kept_for_organizer" not in synced.json["error"]
    assert "kept_for_organizer" not in online.json["error"]
    assert RefusedScan.query.count() == 0


def test_old_ticket_scanned_before_the_reissue_counts(client, staff, organizer, door):
    _workshop, session, (holder, *_rest) = door
    old = ticket_token(holder)
    scanned_at = now()
    rotate_ticket(holder, organizer)

    synced = sync(client, auth(staff), old, session.id, scanned_at)

    assert synced.status_code == 201, synced.json
    # Online, the old ticket no longer works.
    online = client.post(
        "/api/v1/checkins", json={"ticket": old, "session_id": session.id}, headers=auth(staff)
    )
    assert online.json["error"]["code"] == "invalid_ticket"


def test_old_ticket_scanned_after_the_reissue_is_kept_for_the_organizer(
    client, staff, organizer, door
):
    workshop, session, (holder, *_rest) = door
    old = ticket_token(holder)
    rotate_ticket(holder, organizer)
    scanned_at = now()  # an offline door with a stale roster let the old ticket in

    synced = sync(client, auth(staff), old, session.id, scanned_at)

    assert (synced.status_code, synced.json["error"]["code"]) == (400, "invalid_ticket")
    assert CheckIn.query.count() == 0
    # A door that lost the answer and sends again adds nothing.
    sync(client, auth(staff), old, session.id, scanned_at)
    kept = RefusedScan.query.one()
    assert (kept.registration_id, kept.code, kept.method) == (
        holder.id,
        "invalid_ticket",
        "offline",
    )

    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}"
    html = client.get(page).get_data(as_text=True)
    assert "ผลสแกนที่ถูกปฏิเสธเมื่อซิงก์" in html
    assert holder.user.full_name in html
    assert "เป็นบัตรเดิมที่ออกใหม่ไปแล้วก่อนเวลาสแกน" in html

    # The organizer checks the person in after all, with a reason (audited).
    accept = f"/organizer/refused-scans/{kept.id}/accept"
    response = submit_form(client, page, {"reason": "ตรวจบัตรประชาชนแล้ว"}, action=accept)
    assert response.status_code == 302
    checkin = CheckIn.query.one()
    assert (checkin.registration_id, checkin.scanned_at) == (holder.id, scanned_at)
    assert checkin.override_reason == "ตรวจบัตรประชาชนแล้ว"
    event = AuditEvent.query.filter_by(action="checkin.override").one()
    assert event.actor_id == organizer.id
    db.session.expire_all()
    resolved = db.session.get(RefusedScan, kept.id)
    assert (resolved.checkin_id, resolved.resolved_by_id) == (checkin.id, organizer.id)
    html = client.get(page).get_data(as_text=True)
    assert "บันทึกการเข้าร่วมแล้ว" in html
    again = submit_form(client, page, {"reason": "อีกครั้ง"}, action=accept)
    assert "ผลสแกนนี้จัดการไปแล้ว" in client.get(again.location).get_data(as_text=True)


def test_organizer_leaves_a_refused_scan_refused(client, staff, organizer, door):
    workshop, session, (_a, _b, _c, waiting) = door
    sync(client, auth(staff), ticket_token(waiting), session.id, now())
    kept = RefusedScan.query.one()
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}"
    html = client.get(page).get_data(as_text=True)
    # No seat at the time of the scan: nothing to check in, only to acknowledge.
    assert f"/organizer/refused-scans/{kept.id}/accept" not in html
    response = submit_form(client, page, {}, action=f"/organizer/refused-scans/{kept.id}/dismiss")
    assert response.status_code == 302
    assert db.session.get(RefusedScan, kept.id).resolved_at is not None
    assert CheckIn.query.count() == 0
    assert AuditEvent.query.filter_by(action="refused_scan.dismiss").count() == 1


def test_staff_cannot_resolve_refused_scans(client, staff, door):
    _workshop, session, (_a, _b, _c, waiting) = door
    sync(client, auth(staff), ticket_token(waiting), session.id, now())
    kept = RefusedScan.query.one()
    login(client, staff)
    response = client.post(f"/organizer/refused-scans/{kept.id}/dismiss")
    assert response.status_code in (400, 403)
    assert db.session.get(RefusedScan, kept.id).resolved_at is None


# ------------------------------------------------------------------ one "checked in" figure


def test_door_roster_and_report_agree_after_cancellations(client, staff, organizer, door):
    workshop, session, (first, second, third, _waiting) = door
    headers = auth(staff)
    for registration in (first, second, third):
        scan = client.post(
            "/api/v1/checkins",
            json={"ticket": ticket_token(registration), "session_id": session.id},
            headers=headers,
        )
        assert scan.status_code == 201
    assert scan.json["counts"] == {"checked_in": 3, "confirmed": 3}

    cancel_registration(first.id, organizer)  # the waiting officer gets the seat, unscanned

    repeat = client.post(
        "/api/v1/checkins",
        json={"ticket": ticket_token(second), "session_id": session.id},
        headers=headers,
    ).json
    assert repeat["counts"] == {"checked_in": 2, "confirmed": 3}
    assert roster_counts(client, headers, workshop.id, session.id) == repeat["counts"]
    assert workshop_report(workshop.id).sessions[0].checked_in == 2
    login(client, staff)
    page = client.get(f"/checkin/{workshop.id}/{session.id}").get_data(as_text=True)
    assert 'data-checked-in="2" data-confirmed="3"' in page

    move_to_waitlist(second.id, organizer)
    assert roster_counts(client, headers, workshop.id, session.id)["checked_in"] == 1
    assert workshop_report(workshop.id).sessions[0].checked_in == 1
    confirm_waitlisted(second.id, organizer)
    assert roster_counts(client, headers, workshop.id, session.id)["checked_in"] == 2


def confirmed_check_ins(session_id: int) -> int:
    return db.session.scalar(
        select(func.count(CheckIn.id))
        .join(Registration, Registration.id == CheckIn.registration_id)
        .where(CheckIn.session_id == session_id, Registration.status == "confirmed")
    )


def tally(session_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(CheckInTally.checked_in), 0)).where(
            CheckInTally.session_id == session_id
        )
    )


def test_counter_stays_right_while_doors_scan_and_the_organizer_cancels(
    app, staff, organizer, venue
):
    """Each of 30 people is scanned at a door at the moment the organizer cancels them."""
    people = 30
    workshop = running_workshop(venue, organizer, capacity=people)
    session_id, staff_id, organizer_id = workshop.sessions[0].id, staff.id, organizer.id
    registrations = [
        register_officer(workshop.id, o, actor=organizer) for o in make_officers(people)
    ]
    tokens = [ticket_token(r) for r in registrations]
    ids = [r.id for r in registrations]
    rounds = [threading.Barrier(2) for _ in range(people)]

    def as_user(user_id: int, act) -> None:
        with app.app_context():
            person = db.session.get(User, user_id)
            db.session.commit()
            try:
                for n in range(people):
                    rounds[n].wait(timeout=30)
                    act(person, n)
            finally:
                db.session.remove()

    def scan(person: User, n: int) -> None:
        with contextlib.suppress(NotConfirmed):  # cancelled before the scan
            check_in(session_id=session_id, staff=person, ticket=tokens[n])

    def cancel(person: User, n: int) -> None:
        cancel_registration(ids[n], person)

    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(as_user, staff_id, scan), pool.submit(as_user, organizer_id, cancel)]
        for job in jobs:
            job.result()
    db.session.rollback()
    assert tally(session_id) == confirmed_check_ins(session_id) == 0


# ------------------------------------------------------------------ undo, twice at once


def test_parallel_undos_count_down_once(server, client, staff, door):
    workshop, session, (holder, *_rest) = door
    headers = auth(staff)
    created = client.post(
        "/api/v1/checkins",
        json={"ticket": ticket_token(holder), "session_id": session.id},
        headers=headers,
    ).json
    assert created["counts"]["checked_in"] == 1
    parallel = 8
    start = threading.Barrier(parallel)

    def undo(_: int) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", server, timeout=120)
        start.wait(timeout=30)
        connection.request("DELETE", f"/api/v1/checkins/{created['checkin_id']}", headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read() or b"{}")
        connection.close()
        return response.status, body

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        results = list(pool.map(undo, range(parallel)))

    statuses = sorted(status for status, _body in results)
    assert statuses == [200] + [409] * (parallel - 1), results
    assert {body["error"]["code"] for status, body in results if status == 409} == {
        "already_undone"
    }
    db.session.rollback()
    assert CheckIn.query.count() == 0
    assert AuditEvent.query.filter_by(action="checkin.undo").count() == 1
    assert tally(session.id) == 0
    assert roster_counts(client, headers, workshop.id, session.id)["checked_in"] == 0


def test_a_refused_scan_is_in_the_officers_data_export(client, staff, organizer, door):
    _workshop, session, (_a, _b, _c, waiting) = door
    sync(client, auth(staff), ticket_token(waiting), session.id, now())
    login(client, waiting.user)
    data = client.get("/auth/my-data.json").json
    (refused,) = data["refused_scans"]
    assert refused["registration_id"] == waiting.id
    assert refused["session"] == session.title
    assert refused["reason"].startswith("ขณะสแกน ผู้ถือบัตรยังไม่ได้ที่นั่ง")
