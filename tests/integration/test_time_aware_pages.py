"""Issue 14 §4: pages that know what time it is.

The public list puts what is open and coming first (soonest first), with seats left and the
registration deadline, and keeps past workshops on their own page, in words without internal
status names. "My registrations" splits upcoming from past: no cancel button once checked in
or after the event, no QR after it (the certificate, or why not yet, instead), and a
waitlisted registration shows its place, not a ticket.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.support import finished_workshop, login, make_officers, open_workshop, seat
from tests.support import submit_form as _submit
from workshop.extensions import db
from workshop.models import CheckIn, Registration
from workshop.services.registrations import register_officer
from workshop.services.workshops import public_listing, public_state

INTERNAL_WORDS = ("เผยแพร่แล้ว", "ฉบับร่าง", "published", "closed", "draft")


def _text(html: str) -> str:
    """What a reader sees: the page without its tags."""
    return re.sub(r"<[^>]+>", " ", html)


def _titles(html: str) -> list[str]:
    return re.findall(r'<h[23]><a href="/workshops/\d+">([^<]+)</a></h[23]>', html)


def test_public_list_puts_open_and_coming_workshops_first_soonest_first(client, venue, organizer):
    now = datetime.now(UTC)
    later = open_workshop(venue, organizer, title="เปิดรับ อีก 10 วัน")
    sooner = open_workshop(venue, organizer, title="เปิดรับ อีก 5 วัน", capacity=3)
    for session in sooner.sessions:
        session.starts_at -= timedelta(days=5)
        session.ends_at -= timedelta(days=5)
    sooner.registration_closes_at = now + timedelta(days=4)
    db.session.commit()
    old = finished_workshop(venue, organizer, sessions=1, title="จัดไปแล้ว ปี 2558")
    for officer in make_officers(2):
        seat(sooner, officer, organizer)

    listing = public_listing(None)
    assert [w.title for w in listing.current] == ["เปิดรับ อีก 5 วัน", "เปิดรับ อีก 10 วัน"]
    assert [w.title for w in listing.past] == ["จัดไปแล้ว ปี 2558"]
    assert public_state(old) == "ended" and public_state(later) == "open"

    html = client.get("/").get_data(as_text=True)
    assert _titles(html) == ["เปิดรับ อีก 5 วัน", "เปิดรับ อีก 10 วัน"]  # the past one not here
    assert "ว่าง 1 จาก 3 ที่นั่ง" in html and "ว่าง 100 จาก 100 ที่นั่ง" in html
    assert html.count("รับสมัครถึง") == 2
    assert "การอบรมที่จัดไปแล้ว (1)" in html
    for word in INTERNAL_WORDS:
        assert word not in _text(html)

    past = client.get("/workshops/past").get_data(as_text=True)
    assert _titles(past) == ["จัดไปแล้ว ปี 2558"] and "จัดไปแล้ว" in past
    assert "ที่นั่ง" not in past.split("<main", 1)[1] and "เผยแพร่แล้ว" not in _text(past)


def test_my_registrations_split_upcoming_from_past(client, officer, venue, organizer):
    coming = open_workshop(venue, organizer, title="ยังไม่ถึงวัน")
    held = finished_workshop(venue, organizer, sessions=2, title="จบไปแล้ว")
    upcoming_reg = register_officer(coming.id, officer)
    past_reg = seat(held, officer, organizer, attended=1)
    login(client, officer)

    html = client.get("/my/registrations").get_data(as_text=True)
    upcoming, past = html.split('id="past-heading"')
    assert "ยังไม่ถึงวัน" in upcoming and "จบไปแล้ว" not in upcoming
    assert "จบไปแล้ว" in past
    # The upcoming seat has its QR ticket, PDF links as buttons and a cancel button.
    assert f"/my/registrations/{upcoming_reg.id}/qr.svg" in upcoming
    assert 'class="button small-touch"' in upcoming
    assert f"/my/registrations/{upcoming_reg.id}/cancel" in upcoming
    # After the event: no QR, no cancel; the certificate's standing instead.
    assert f"/my/registrations/{past_reg.id}/qr.svg" not in past
    assert f"/my/registrations/{past_reg.id}/cancel" not in past
    assert 'class="certificate-status"' in past


def test_no_cancel_once_checked_in_and_the_service_refuses_it(client, officer, venue, organizer):
    workshop = open_workshop(venue, organizer)
    registration = register_officer(workshop.id, officer)
    db.session.add(
        CheckIn(
            registration_id=registration.id,
            session_id=workshop.sessions[0].id,
            scanned_at=workshop.sessions[0].starts_at,
            method="manual",
        )
    )
    db.session.commit()
    login(client, officer)
    html = client.get("/my/registrations").get_data(as_text=True)
    assert f"/my/registrations/{registration.id}/cancel" not in html
    assert "เช็กอินแล้ว" in html and "โปรดติดต่อผู้จัด" in html

    response = _submit(
        client,
        "/my/registrations",
        {"reason": ""},
        action=f"/my/registrations/{registration.id}/cancel",
    )
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "คุณเช็กอินเข้าร่วมแล้ว" in follow
    assert db.session.get(Registration, registration.id).status == "confirmed"


def test_waitlisted_registration_shows_its_place_not_a_ticket(client, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=1)
    first, second = make_officers(2)
    register_officer(workshop.id, first)
    waiting = register_officer(workshop.id, second)
    assert waiting.status == "waitlisted"
    login(client, second)
    html = client.get("/my/registrations").get_data(as_text=True)
    assert "รายชื่อสำรองลำดับที่ 1" in html
    assert "qr.svg" not in html and "ticket.pdf" not in html
    assert client.get(f"/workshops/{workshop.id}").get_data(as_text=True).count("บัตร QR") == 0
