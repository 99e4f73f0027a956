"""Check-in rules through the API: every result code, idempotency, offline scans, undo."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import event

from tests.support import make_officers, running_workshop
from workshop.extensions import db
from workshop.models import AuditEvent, CheckIn
from workshop.qr import qr_png
from workshop.services.accounts import issue_api_token
from workshop.services.checkins import check_in, current_session
from workshop.services.registrations import register_officer, rotate_ticket
from workshop.services.tickets import ticket_fingerprint, ticket_token


def auth(user) -> dict:
    return {"Authorization": f"Bearer {issue_api_token(user, 1)}"}


@pytest.fixture
def door(venue, organizer):
    workshop = running_workshop(venue, organizer, capacity=2)
    first, second, third = make_officers(3)
    confirmed = register_officer(workshop.id, first, actor=organizer)
    other = register_officer(workshop.id, second, actor=organizer)
    waiting = register_officer(workshop.id, third, actor=organizer)
    return workshop, workshop.sessions[0], confirmed, other, waiting


def post(client, headers, **body):
    return client.post("/api/v1/checkins", json=body, headers=headers)


def test_check_in_then_already(client, staff, door):
    _workshop, session, confirmed, _other, _waiting = door
    headers = auth(staff)
    first = post(client, headers, ticket=ticket_token(confirmed), session_id=session.id)
    assert first.status_code == 201, first.json
    assert first.json["result"] == "checked_in"
    assert first.json["person"]["name"] == confirmed.user.full_name
    assert first.json["counts"] == {"checked_in": 1, "confirmed": 2}
    second = post(client, headers, ticket=ticket_token(confirmed).lower(), session_id=session.id)
    assert second.status_code == 200
    assert second.json["result"] == "already_checked_in"
    assert second.json["checked_in_at"] == first.json["checked_in_at"]
    assert CheckIn.query.count() == 1


@pytest.mark.parametrize(
    ("ticket", "status", "code"),
    [
        ("T1" + "A" * 36, 400, "invalid_ticket"),
        ("garbage", 400, "invalid_ticket"),
        ("", 400, "invalid_ticket"),
    ],
)
def test_forged_tickets_are_refused(client, staff, door, ticket, status, code):
    session = door[1]
    response = post(client, auth(staff), ticket=ticket, session_id=session.id)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert CheckIn.query.count() == 0


def test_rotated_ticket_stops_working(client, staff, organizer, door):
    _w, session, confirmed, _o, _wait = door
    old = ticket_token(confirmed)
    rotate_ticket(confirmed, organizer)
    response = post(client, auth(staff), ticket=old, session_id=session.id)
    assert response.json["error"]["code"] == "invalid_ticket"
    db.session.expire_all()
    ok = post(client, auth(staff), ticket=ticket_token(confirmed), session_id=session.id)
    assert ok.status_code == 201


def test_waitlisted_and_cancelled_are_not_confirmed(client, staff, organizer, door):
    _w, session, _c, other, waiting = door
    response = post(client, auth(staff), ticket=ticket_token(waiting), session_id=session.id)
    assert (response.status_code, response.json["error"]["code"]) == (409, "not_confirmed")
    from workshop.services.registrations import cancel_registration

    token = ticket_token(other)
    cancel_registration(other.id, organizer)
    response = post(client, auth(staff), ticket=token, session_id=session.id)
    assert response.json["error"]["code"] == "not_confirmed"
    assert CheckIn.query.count() == 0


def test_no_seat_messages_say_which_and_what_to_do(client, staff, organizer, door):
    """The door is told whether the holder waits for a seat or cancelled, and that an
    organizer can still seat them as a walk-in."""
    from workshop.services.registrations import cancel_registration

    _w, session, _c, other, waiting = door
    response = post(client, auth(staff), ticket=ticket_token(waiting), session_id=session.id)
    message = response.json["error"]["message"]
    assert "อยู่ในรายชื่อสำรอง" in message and "walk-in" in message
    token = ticket_token(other)
    cancel_registration(other.id, organizer)
    response = post(client, auth(staff), ticket=token, session_id=session.id)
    message = response.json["error"]["message"]
    assert "ถูกยกเลิกแล้ว" in message and "walk-in" in message
    english = post(
        client,
        {**auth(staff), "Accept-Language": "en"},
        ticket=token,
        session_id=session.id,
    ).json["error"]["message"]
    assert "cancelled" in english.lower() and "walk-in" in english


def test_name_search_says_who_checked_in_to_the_session_and_when(client, staff, door):
    workshop, session, confirmed, other, _waiting = door
    checked = post(client, auth(staff), ticket=ticket_token(confirmed), session_id=session.id)
    url = f"/api/v1/workshops/{workshop.id}/attendees?q=ทดสอบ&session_id={session.id}"
    found = {p["registration_id"]: p for p in client.get(url, headers=auth(staff)).json}
    assert found[confirmed.id]["checked_in_at"] == checked.json["checked_in_at"]
    assert found[other.id]["checked_in_at"] is None
    # Without session_id the answer is as before; a session of another workshop is refused.
    plain = client.get(url.split("&")[0], headers=auth(staff)).json
    assert all(p["checked_in_at"] is None for p in plain)
    assert client.get(url + "9", headers=auth(staff)).status_code == 404


def test_ticket_for_another_workshop(client, staff, organizer, venue, door):
    _w, session, _c, _o, _wait = door
    elsewhere = running_workshop(venue, organizer)
    (someone,) = make_officers(1, prefix="elsewhere")
    reg = register_officer(elsewhere.id, someone, actor=organizer)
    response = post(client, auth(staff), ticket=ticket_token(reg), session_id=session.id)
    assert (response.status_code, response.json["error"]["code"]) == (409, "wrong_workshop")


def test_session_not_open_and_organizer_override(client, staff, organizer, door):
    workshop, _s, confirmed, _o, _wait = door
    tomorrow = workshop.sessions[1]
    response = post(client, auth(staff), ticket=ticket_token(confirmed), session_id=tomorrow.id)
    assert (response.status_code, response.json["error"]["code"]) == (409, "session_not_open")
    refused = post(
        client,
        auth(staff),
        ticket=ticket_token(confirmed),
        session_id=tomorrow.id,
        override_reason="มาก่อนเวลา",
    )
    assert refused.status_code == 409  # only organizers may override
    allowed = post(
        client,
        auth(organizer),
        ticket=ticket_token(confirmed),
        session_id=tomorrow.id,
        override_reason="ผู้จัดอนุญาต: ประชุมเตรียมงาน",
    )
    assert allowed.status_code == 201
    event = AuditEvent.query.filter_by(action="checkin.override").one()
    assert event.details["reason"] == "ผู้จัดอนุญาต: ประชุมเตรียมงาน"


def test_search_check_in_by_registration(client, staff, door):
    workshop, session, confirmed, _o, _wait = door
    found = client.get(
        f"/api/v1/workshops/{workshop.id}/attendees?q={confirmed.user.first_name}",
        headers=auth(staff),
    ).json
    assert [p["registration_id"] for p in found] == [confirmed.id]
    assert (
        client.get(f"/api/v1/workshops/{workshop.id}/attendees?q=%25", headers=auth(staff)).json
        == []
    )
    response = post(
        client, auth(staff), registration_id=confirmed.id, session_id=session.id, method="search"
    )
    assert response.status_code == 201
    assert response.json["method"] == "search"


def test_offline_scans_keep_the_earliest_time(client, staff, door):
    _w, session, confirmed, _o, _wait = door
    later = post(client, auth(staff), ticket=ticket_token(confirmed), session_id=session.id)
    assert later.status_code == 201
    # Another door, offline, scanned the ticket first (right after the seat was confirmed).
    earlier = confirmed.confirmed_at
    synced = post(
        client,
        auth(staff),
        ticket=ticket_token(confirmed),
        session_id=session.id,
        scanned_at=earlier.isoformat(),
        method="offline",
    )
    assert synced.json["result"] == "already_checked_in"
    assert synced.json["checked_in_at"] == earlier.isoformat().replace("+00:00", "Z")
    db.session.expire_all()
    assert CheckIn.query.one().scanned_at == earlier


def test_scan_times_outside_the_window_or_in_the_future(client, staff, door):
    _w, session, confirmed, _o, _wait = door
    long_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    response = post(
        client,
        auth(staff),
        ticket=ticket_token(confirmed),
        session_id=session.id,
        scanned_at=long_ago,
    )
    assert response.json["error"]["code"] == "session_not_open"
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    response = post(
        client,
        auth(staff),
        ticket=ticket_token(confirmed),
        session_id=session.id,
        scanned_at=future,
    )
    # A scan time ahead of the server's clock by more than the skew is never believed.
    assert (response.status_code, response.json["error"]["code"]) == (422, "validation_failed")
    assert "scanned_at" in response.json["error"]["fields"]
    assert CheckIn.query.count() == 0
    # A clock a minute fast is within the skew: the scan counts at the server's time.
    slightly_ahead = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    response = post(
        client,
        auth(staff),
        ticket=ticket_token(confirmed),
        session_id=session.id,
        scanned_at=slightly_ahead,
    )
    assert response.status_code == 201
    stored = datetime.fromisoformat(response.json["checked_in_at"].replace("Z", "+00:00"))
    assert stored <= datetime.now(UTC)
    assert abs((stored - datetime.now(UTC)).total_seconds()) < 60


def test_twenty_doors_scan_the_same_ticket_at_once(app, staff, door):
    _w, session, confirmed, _o, _wait = door
    token, session_id, staff_id = ticket_token(confirmed), session.id, staff.id
    start = threading.Barrier(20)  # all scan at the same moment

    def scan(_):
        with app.app_context():
            from workshop.models import User

            door_staff = db.session.get(User, staff_id)
            db.session.commit()  # give the connection back while waiting at the barrier
            start.wait(timeout=30)
            try:
                return check_in(session_id=session_id, staff=door_staff, ticket=token).result
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(scan, range(20)))
    assert sorted(results) == ["already_checked_in"] * 19 + ["checked_in"]
    db.session.rollback()
    assert CheckIn.query.count() == 1


def test_a_scan_takes_the_sqlite_write_lock_with_one_begin(client, staff, door):
    """A known token's user (remembered by the process) joins the request's session before the
    scan writes; the write transaction must still start once, as BEGIN IMMEDIATE, not as a
    read transaction that is committed and begun again."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL transactions begin inside the driver")
    _w, session, confirmed, _o, _wait = door
    headers, token, session_id = auth(staff), ticket_token(confirmed), session.id
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # token now known
    db.session.remove()  # the request starts from a fresh session, as in a server
    sent: list[str] = []

    def trace(_dbapi_connection, _record, _proxy) -> None:
        # Every statement the driver runs, those the engine's hooks send directly included.
        _dbapi_connection.set_trace_callback(
            lambda sql: sent.append(
                " ".join(sql.split()[:2]) if "IMMEDIATE" in sql else sql.split()[0]
            )
        )

    event.listen(db.engine, "checkout", trace)
    try:
        response = post(client, headers, ticket=token, session_id=session_id)
    finally:
        event.remove(db.engine, "checkout", trace)
    assert response.status_code == 201
    assert sent == ["BEGIN IMMEDIATE", "SELECT", "INSERT", "INSERT", "COMMIT"]
    db.engine.dispose()  # no connection keeps the trace


def test_live_counter_matches_the_check_ins_when_doors_scan_at_once(
    app, client, staff, venue, organizer
):
    workshop = running_workshop(venue, organizer, capacity=30)
    session_id, staff_id = workshop.sessions[0].id, staff.id
    tokens = [
        ticket_token(register_officer(workshop.id, officer, actor=organizer))
        for officer in make_officers(24)
    ]
    start = threading.Barrier(12)

    def door_scans(pair: int) -> list[int]:
        with app.app_context():
            from workshop.models import User

            door_staff = db.session.get(User, staff_id)
            db.session.commit()
            start.wait(timeout=30)
            try:
                return [
                    check_in(session_id=session_id, staff=door_staff, ticket=token).checked_in
                    for token in tokens[pair * 2 : pair * 2 + 2]
                ]
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=12) as pool:
        seen = [n for counts in pool.map(door_scans, range(12)) for n in counts]
    db.session.rollback()
    assert CheckIn.query.count() == 24
    assert max(seen) <= 24 and min(seen) >= 1
    headers = auth(staff)
    repeat = post(client, headers, ticket=tokens[0], session_id=session_id).json
    assert repeat["counts"] == {"checked_in": 24, "confirmed": 24}
    client.delete(f"/api/v1/checkins/{repeat['checkin_id']}", headers=headers)
    again = post(client, headers, ticket=tokens[1], session_id=session_id).json
    assert again["counts"]["checked_in"] == 23 == CheckIn.query.count()


def test_undo_is_audited(client, staff, door):
    _w, session, confirmed, _o, _wait = door
    created = post(client, auth(staff), ticket=ticket_token(confirmed), session_id=session.id).json
    response = client.delete(
        f"/api/v1/checkins/{created['checkin_id']}?reason=สแกนผิดคน", headers=auth(staff)
    )
    assert response.status_code == 200
    assert response.json["counts"]["checked_in"] == 0
    assert CheckIn.query.count() == 0
    event = AuditEvent.query.filter_by(action="checkin.undo").one()
    assert event.details["reason"] == "สแกนผิดคน"
    again = client.delete(f"/api/v1/checkins/{created['checkin_id']}", headers=auth(staff))
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_undone")
    assert AuditEvent.query.filter_by(action="checkin.undo").count() == 1
    never = client.delete("/api/v1/checkins/999999", headers=auth(staff))
    assert (never.status_code, never.json["error"]["code"]) == (404, "not_found")


def test_roster_has_fingerprints_not_tokens(client, staff, door):
    workshop, session, confirmed, _o, waiting = door
    post(client, auth(staff), ticket=ticket_token(confirmed), session_id=session.id)
    response = client.get(
        f"/api/v1/workshops/{workshop.id}/roster?session_id={session.id}", headers=auth(staff)
    )
    assert response.status_code == 200
    body = response.json
    entries = {e["registration_id"]: e for e in body["entries"]}
    assert entries[confirmed.id]["fingerprint"] == ticket_fingerprint(ticket_token(confirmed))
    assert entries[confirmed.id]["checked_in_at"] is not None
    assert entries[waiting.id]["status"] == "waitlisted"
    assert ticket_token(confirmed) not in response.get_data(as_text=True)
    # Thai names travel as UTF-8, half the bytes of \uXXXX escapes on a door phone's network.
    assert confirmed.user.first_name.encode() in response.data and b"\\u0e" not in response.data
    assert body["counts"] == {"checked_in": 1, "confirmed": 2}
    assert (
        client.get(f"/api/v1/workshops/{workshop.id}/roster", headers=auth(staff)).status_code
        == 422
    )
    assert (
        client.get(
            f"/api/v1/workshops/{workshop.id}/roster?session_id=999999", headers=auth(staff)
        ).status_code
        == 404
    )


def test_officers_cannot_check_in(client, door):
    _w, session, confirmed, _o, _wait = door
    response = post(
        client, auth(confirmed.user), ticket=ticket_token(confirmed), session_id=session.id
    )
    assert response.status_code == 403
    assert CheckIn.query.count() == 0


def test_server_decodes_a_camera_frame(client, staff, door):
    confirmed = door[2]
    png = Image.open(io.BytesIO(qr_png(ticket_token(confirmed))))
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(png.convert("RGB").resize((300, 300)), (170, 90))
    jpeg = io.BytesIO()
    frame.save(jpeg, "JPEG", quality=80)
    response = client.post(
        "/api/v1/checkins/decode",
        data=jpeg.getvalue(),
        content_type="image/jpeg",
        headers=auth(staff),
    )
    assert response.status_code == 200, response.json
    assert response.json["text"] == ticket_token(confirmed)
    blank = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(blank, "JPEG")
    response = client.post(
        "/api/v1/checkins/decode",
        data=blank.getvalue(),
        content_type="image/jpeg",
        headers=auth(staff),
    )
    assert (response.status_code, response.json["error"]["code"]) == (422, "no_qr_found")
    response = client.post("/api/v1/checkins/decode", data=b"not an image", headers=auth(staff))
    assert response.status_code == 422


def test_current_session_is_the_open_one(door):
    workshop = door[0]
    assert current_session(workshop) == workshop.sessions[0]
    assert (
        current_session(workshop, now=datetime.now(UTC) + timedelta(hours=20))
        == workshop.sessions[1]
    )


@pytest.mark.parametrize(
    "body",
    [
        {"ticket": "x"},
        {"session_id": "1", "ticket": "x"},
        {"session_id": 1, "ticket": "x", "scanned_at": "yesterday"},
        {"session_id": 1, "ticket": "x", "method": "teleport"},
        {"session_id": 1, "ticket": "x" * 201},
        {"session_id": 1, "ticket": "x", "extra": True},
    ],
)
def test_bad_check_in_bodies_are_4xx(client, staff, door, body):
    response = client.post("/api/v1/checkins", json=body, headers=auth(staff))
    assert 400 <= response.status_code < 500
    assert response.json["error"]["code"]
    assert CheckIn.query.count() == 0


def test_sessions_with_check_ins_cannot_be_removed(client, staff, organizer, door):
    from workshop.services.errors import ValidationFailed
    from workshop.services.workshops import patch_workshop, workshop_input

    workshop, session, confirmed, _o, _wait = door
    post(client, auth(staff), ticket=ticket_token(confirmed), session_id=session.id)
    remaining = [s for s in workshop_input(workshop).sessions if s.id != session.id]
    with pytest.raises(ValidationFailed) as info:
        patch_workshop(workshop, {"sessions": remaining}, organizer)
    assert "sessions" in info.value.fields
    assert CheckIn.query.count() == 1


def test_real_id_and_secret_with_a_wrong_tag_never_reach_the_database(client, staff, door):
    """The HMAC tag alone refuses a forged ticket: no statement runs for it."""
    import base64
    import struct

    _w, session, confirmed, _o, _wait = door
    payload = struct.pack(">I8s", confirmed.id, bytes.fromhex(confirmed.ticket_secret))
    forged = "T1" + base64.b32encode(payload + b"\x00" * 10).decode().rstrip("=")
    headers, session_id = auth(staff), session.id
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # token now known
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = post(client, headers, ticket=forged, session_id=session_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_ticket")
    assert statements == []
    assert CheckIn.query.count() == 0


def test_tickets_accept_only_their_canonical_spelling(client, staff, door):
    """The last base32 character carries 4 padding bits: the 15 other spellings that decode
    to the same bytes are refused (an offline door's fingerprint would not match them)."""
    _w, session, confirmed, _o, _wait = door
    token = ticket_token(confirmed)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    same_bytes = [
        token[:-1] + c
        for c in alphabet
        if c != token[-1] and alphabet.index(c) >> 4 == alphabet.index(token[-1]) >> 4
    ]
    assert len(same_bytes) == 15
    for spelling in same_bytes:
        response = post(client, auth(staff), ticket=spelling, session_id=session.id)
        assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_ticket")
        assert ticket_fingerprint(spelling) != ticket_fingerprint(token)
    assert CheckIn.query.count() == 0
    assert post(client, auth(staff), ticket=token.lower(), session_id=session.id).status_code == 201
