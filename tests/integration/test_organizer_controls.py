"""Issue 14 §6: the organizer's controls.

Reissuing a ticket asks first; "issue certificates to everyone eligible" is disabled with the
reason when nobody is; cancelling the workshop sits apart from publishing; the registrations
list searches by name or e-mail, numbers its rows, shows e-mails and pages through thousands;
registering on behalf takes several e-mails at once.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import insert

from tests.support import finished_workshop, login, make_officers, open_workshop, submit_form
from workshop.extensions import db
from workshop.models import Registration
from workshop.services.registrations import register_officer, registration_page
from workshop.services.tickets import new_ticket_secret


@pytest.fixture
def signed_in(client, organizer):
    login(client, organizer)
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _seat_many(workshop, officers) -> None:
    """Confirmed registrations written in bulk (the service, one by one, would take minutes)."""
    db.session.execute(
        insert(Registration),
        [
            {
                "workshop_id": workshop.id,
                "user_id": o.id,
                "status": "confirmed",
                "ticket_secret": new_ticket_secret(),
            }
            for o in officers
        ],
    )
    workshop.confirmed_count = len(officers)
    db.session.commit()


def test_registrations_list_numbers_rows_shows_emails_searches_and_pages(
    signed_in, venue, organizer
):
    workshop = open_workshop(venue, organizer, capacity=120)
    _seat_many(workshop, make_officers(120))
    page = f"/organizer/workshops/{workshop.id}/registrations"

    html = signed_in.get(page).get_data(as_text=True)
    text = _text(html)
    assert "ลำดับ" in text and "อีเมล" in text
    assert "officer0@example.go.th" in html
    assert "รายการที่ 1–50 จาก 120 คน" in text and "หน้า 1 จาก 3" in text
    third = _text(signed_in.get(page + "?page=3").get_data(as_text=True))
    assert "รายการที่ 101–120 จาก 120 คน" in third
    assert re.search(r"\b101 นาย", third)  # ลำดับ goes on across pages

    by_email = _text(signed_in.get(page + "?q=officer7@").get_data(as_text=True))
    assert "ทั้งหมด 1 คน" in by_email and "ทดสอบ7 ใจดี" in by_email
    by_name = _text(signed_in.get(page + "?q=ทดสอบ11").get_data(as_text=True))
    assert "ทั้งหมด 11 คน" in by_name  # ทดสอบ11, ทดสอบ110 … ทดสอบ119
    nothing = signed_in.get(page + "?q=%25_nobody").get_data(as_text=True)
    assert "ไม่พบผู้ลงทะเบียนที่ตรงกับการค้นหา" in nothing
    # The pager keeps the search.
    found = signed_in.get(page + "?q=ใจดี").get_data(as_text=True)
    assert "page=2" in found and "q=%E0%B9%83" in found


def test_registration_page_orders_confirmed_then_waitlist_in_line(venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=2)
    people = make_officers(5)
    for person in people:
        register_officer(workshop.id, person)
    found = registration_page(workshop.id, per_page=3)
    assert found.total == 5 and found.pages == 2
    assert [r.registration.status for r in found.rows] == ["confirmed", "confirmed", "waitlisted"]
    rest = registration_page(workshop.id, per_page=3, page=2)
    assert [r.waitlist_position for r in rest.rows] == [2, 3]
    assert registration_page(workshop.id, page=99, per_page=3).page == 2


def test_register_on_behalf_takes_several_emails(signed_in, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=2)
    people = make_officers(3)
    page = f"/organizer/workshops/{workshop.id}/registrations"
    emails = f"{people[0].email}\n{people[1].email}, {people[2].email}; nobody@example.go.th"
    response = submit_form(signed_in, page, {"email": emails}, action=page)
    assert response.status_code == 302
    html = _text(signed_in.get(page).get_data(as_text=True))
    assert "ลงทะเบียนให้แล้ว 3 คน" in html
    assert html.count("(ได้ที่นั่ง)") == 2 and "(รายชื่อสำรอง)" in html
    assert "nobody@example.go.th: ไม่พบบัญชีผู้เข้าอบรม" in html
    statuses = sorted(r.status for r in Registration.query.filter_by(workshop_id=workshop.id))
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    # Again: each says it is already registered, nothing is added.
    submit_form(signed_in, page, {"email": people[0].email}, action=page)
    assert Registration.query.filter_by(workshop_id=workshop.id).count() == 3


def test_reissuing_a_ticket_asks_first(signed_in, venue, organizer, officer):
    workshop = open_workshop(venue, organizer)
    registration = register_officer(workshop.id, officer)
    html = signed_in.get(f"/organizer/workshops/{workshop.id}/registrations").get_data(as_text=True)
    rotate = f"/organizer/registrations/{registration.id}/rotate"
    # The form sits inside a closed <details> whose summary opens it; its button confirms.
    block = html[html.index('<details class="inline-confirm">') :]
    block = block[: block.index("</details>")]
    assert "<summary" in block and rotate in block and "ยืนยันออกบัตรใหม่" in block
    assert "บัตร QR เดิมของ" in block


def test_issue_all_is_disabled_with_the_reason_when_nobody_is_eligible(signed_in, venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=2)
    html = signed_in.get(f"/organizer/workshops/{workshop.id}/certificates").get_data(as_text=True)
    assert re.search(r'<button type="submit" class="button primary" disabled', html)
    assert 'aria-describedby="issue-all-why"' in html
    assert "ยังไม่มีผู้เข้าอบรมที่ได้ที่นั่ง" in _text(html)

    people = make_officers(1)
    from tests.support import seat

    seat(workshop, people[0], organizer, attended=0)  # came to nothing: not eligible
    html = signed_in.get(f"/organizer/workshops/{workshop.id}/certificates").get_data(as_text=True)
    assert "ไม่มีผู้เข้าอบรมคนใดผ่านเกณฑ์การเข้าร่วม" in _text(html)
    seat_two = make_officers(1, prefix="came")
    seat(workshop, seat_two[0], organizer, attended=2)
    html = signed_in.get(f"/organizer/workshops/{workshop.id}/certificates").get_data(as_text=True)
    assert "issue-all-why" not in html  # someone is eligible: the button works


def test_cancel_workshop_sits_apart_from_publish(signed_in, venue, organizer, workshop):
    html = signed_in.get(f"/organizer/workshops/{workshop.id}").get_data(as_text=True)
    actions = html[html.index('<div class="actions">') :]
    actions = actions[: actions.index("</div>")]
    assert "เผยแพร่" in actions and "ยกเลิกการอบรม" not in actions
    zone = html[html.index('class="danger-zone"') :]
    assert f"/organizer/workshops/{workshop.id}/cancel" in zone


def test_a_row_action_returns_to_the_same_page_of_the_list(signed_in, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=120)
    _seat_many(workshop, make_officers(60))
    listing = f"/organizer/workshops/{workshop.id}/registrations?q=ใจดี&page=2"
    html = signed_in.get(listing).get_data(as_text=True)
    registration_id = int(re.search(r'id="registration-(\d+)"', html).group(1))
    response = submit_form(
        signed_in,
        listing,
        {"next": f"/organizer/workshops/{workshop.id}/registrations?q=x&page=2"},
        action=f"/organizer/registrations/{registration_id}/rotate",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/registrations?q=x&page=2#registration-{registration_id}"
    )
    elsewhere = submit_form(
        signed_in,
        listing,
        {"next": "https://evil.example/"},
        action=f"/organizer/registrations/{registration_id}/rotate",
    )
    assert elsewhere.headers["Location"].endswith(
        f"/organizer/workshops/{workshop.id}/registrations#registration-{registration_id}"
    )
