"""Organizers schedule venues and workshops through the pages, with Thai messages on bad input."""

import re

import pytest

from tests.support import error_block, login, submit_form
from workshop.extensions import db
from workshop.models import AuditEvent, Venue, Workshop, WorkshopSession


@pytest.fixture
def signed_in(client, organizer):
    login(client, organizer)
    return client


def field_error(html: str, text: str) -> bool:
    return re.search(r'<p class="error"[^>]*>[^<]*' + re.escape(text), html) is not None


def venue_form(**changes):
    data = {
        "name": "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก",
        "address": "ตำบลวังทอง",
        "district": "วังทอง",
        "province": "พิษณุโลก",
        "capacity": "120",
    }
    data.update(changes)
    return data


def workshop_form(venue, **changes):
    data = {
        "title": "อบรมการใช้ข้อมูล จปฐ. เพื่อการพัฒนาหมู่บ้าน",
        "organizing_agency": "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        "objectives": "เพื่อให้เจ้าหน้าที่ใช้ข้อมูล จปฐ. ได้",
        "topics": "การจัดเก็บข้อมูล จปฐ.\nการวิเคราะห์ข้อมูล",
        "venue_id": str(venue.id),
        "capacity": "60",
        "opens_day": "01/11/2558",
        "opens_time": "08:30",
        "closes_day": "15/11/2558",
        "closes_time": "16:30",
        "attendance_threshold": "80",
        "certificate_kind": "วุฒิบัตร",
        "presiding_official": "พัฒนาการจังหวัดพิษณุโลก",
        "signatory_name": "นายสมชาย ใจดี",
        "signatory_position": "พัฒนาการจังหวัดพิษณุโลก",
        "sessions-0-day": "19/11/2558",
        "sessions-0-starts": "08:30",
        "sessions-0-ends": "12:00",
        "sessions-0-title": "ภาคเช้า",
        "sessions-1-day": "20/11/2558",
        "sessions-1-starts": "13:00",
        "sessions-1-ends": "16:30",
        "sessions-1-title": "ภาคบ่าย",
    }
    data.update(changes)
    return data


def counts():
    return (
        Workshop.query.count(),
        WorkshopSession.query.count(),
        Venue.query.count(),
    )


# ------------------------------------------------------------------ venues


def test_organizer_adds_a_venue(signed_in):
    response = submit_form(signed_in, "/organizer/venues/new", venue_form())
    assert response.status_code == 302
    venue = Venue.query.one()
    assert venue.name == "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก"
    assert venue.capacity == 120
    listing = signed_in.get("/organizer/venues").get_data(as_text=True)
    assert "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก" in listing
    assert AuditEvent.query.filter_by(action="venue.create").count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"capacity": "-5"}, "ความจุต้องอยู่ระหว่าง"),
        ({"capacity": "0"}, "ความจุต้องอยู่ระหว่าง"),
        ({"capacity": "abc"}, "กรุณากรอกเป็นตัวเลขจำนวนเต็ม"),
        ({"capacity": ""}, "กรุณากรอกช่องนี้"),
        ({"name": ""}, "กรุณากรอกช่องนี้"),
        ({"name": "ก" * 10_000}, "ยาวเกินไป"),
        ({"name": "ห้องประชุม 🎉"}, "อีโมจิ"),
        ({"address": "ตำบล\x00วังทอง"}, "อักขระควบคุม"),
    ],
)
def test_bad_venue_input_is_refused_and_nothing_stored(signed_in, changes, message):
    response = submit_form(signed_in, "/organizer/venues/new", venue_form(**changes))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), message)
    assert Venue.query.count() == 0


def test_room_cannot_shrink_below_a_planned_workshop(signed_in, workshop):
    venue = workshop.venue
    response = submit_form(
        signed_in, f"/organizer/venues/{venue.id}/edit", venue_form(capacity="50")
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "ความจุห้องต้องไม่น้อยกว่านั้น")
    db.session.refresh(venue)
    assert venue.capacity == 120


# ------------------------------------------------------------------ workshops


def test_organizer_creates_a_two_day_workshop(signed_in, venue):
    response = submit_form(signed_in, "/organizer/workshops/new", workshop_form(venue))
    assert response.status_code == 302, response.get_data(as_text=True)
    workshop = Workshop.query.one()
    assert response.headers["Location"] == f"/organizer/workshops/{workshop.id}"
    assert workshop.status == "draft"
    assert workshop.fiscal_year == 2559
    assert workshop.certificate_kind == "วุฒิบัตร"
    assert [s.title for s in workshop.sessions] == ["ภาคเช้า", "ภาคบ่าย"]
    # 19 Nov 2015 08:30 in Bangkok is 01:30 UTC.
    assert workshop.sessions[0].starts_at.isoformat() == "2015-11-19T01:30:00+00:00"
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "วันพฤหัสบดีที่ 19 พฤศจิกายน 2558" in page
    assert '<span class="nowrap">08.30–12.00 น.</span>' in page  # never split on a phone
    assert "ปีงบประมาณ พ.ศ. 2559" in page
    assert "ร่าง" in page


def test_blank_session_rows_are_ignored(signed_in, venue):
    data = workshop_form(venue)
    data.update({"sessions-2-day": "", "sessions-2-starts": "", "sessions-2-ends": ""})
    submit_form(signed_in, "/organizer/workshops/new", data)
    assert WorkshopSession.query.count() == 2


def test_add_session_button_adds_a_row_without_saving(signed_in, venue):
    data = workshop_form(venue, add_session="1")
    response = submit_form(signed_in, "/organizer/workshops/new", data)
    html = response.get_data(as_text=True)
    assert 'name="sessions-2-day"' in html
    assert Workshop.query.count() == 0


BAD_WORKSHOP_INPUT = [
    ({"title": ""}, "title", "กรุณากรอกช่องนี้"),
    ({"title": "อ" * 10_000}, "title", "ยาวเกินไป"),
    ({"title": "อบรม 😀 สนุก"}, "title", "อีโมจิ"),
    ({"organizing_agency": "สำนักงาน\x00"}, "organizing_agency", "อักขระควบคุม"),
    ({"capacity": "-1"}, "capacity", "จำนวนที่รับต้องเป็นจำนวนเต็ม"),
    ({"capacity": "121"}, "capacity", "เกินความจุของห้อง"),
    ({"capacity": "สิบ"}, "capacity", "กรุณากรอกเป็นตัวเลขจำนวนเต็ม"),
    ({"attendance_threshold": "150"}, "attendance_threshold", "เกณฑ์การเข้าร่วม"),
    ({"opens_day": "31/02/2558"}, "opens_day", "ไม่มีวันที่นี้"),
    ({"opens_day": "tomorrow"}, "opens_day", "รูปแบบวันที่ไม่ถูกต้อง"),
    ({"closes_day": "25/11/2558"}, "closes_day", "ต้องปิดรับสมัครก่อนการอบรมช่วงสุดท้ายจบ"),
    ({"closes_day": "01/10/2558"}, "closes_day", "วันปิดรับสมัครต้องหลังวันเปิดรับสมัคร"),
    ({"sessions-0-ends": "08:00"}, "sessions-0", "เวลาสิ้นสุดต้องหลังเวลาเริ่ม"),
    ({"sessions-0-starts": "25:00"}, "sessions-0", "ไม่มีเวลานี้"),
    ({"sessions-1-day": "19/11/2558", "sessions-1-starts": "09:00"}, "sessions-1", "ซ้อนทับ"),
    ({"sessions-0-day": "19/11/1990"}, "sessions-0", "นอกช่วงที่รับได้"),
    ({"sessions-1-ends": ""}, "sessions-1", "กรุณากรอกวันที่ เวลาเริ่ม และเวลาสิ้นสุดให้ครบ"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_WORKSHOP_INPUT)
def test_bad_workshop_input_shows_the_message_at_the_field(
    signed_in, venue, changes, field, message
):
    before = counts()
    response = submit_form(signed_in, "/organizer/workshops/new", workshop_form(venue, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    # The message sits in the block of the field (or session row field) it concerns.
    assert f'name="{field}' in error_block(html, message)
    assert counts() == before


def test_no_sessions_is_refused(signed_in, venue):
    data = workshop_form(venue)
    for key in list(data):
        if key.startswith("sessions-"):
            data[key] = ""
    response = submit_form(signed_in, "/organizer/workshops/new", data)
    assert response.status_code == 422
    assert "ต้องมีอย่างน้อยหนึ่งช่วงการอบรม" in response.get_data(as_text=True)
    assert Workshop.query.count() == 0


def test_thai_text_is_stored_exactly(signed_in, venue):
    title = "อบรมนางสาวกิ่งแก้ว ปิ่นทอง เรื่อง OTOP & ฤๅษี <b>ศักดิ์</b>"
    submit_form(signed_in, "/organizer/workshops/new", workshop_form(venue, title=title))
    workshop = Workshop.query.one()
    assert workshop.title == title
    page = signed_in.get(f"/organizer/workshops/{workshop.id}").get_data(as_text=True)
    assert "&lt;b&gt;ศักดิ์&lt;/b&gt;" in page  # escaped, not rendered


def test_edit_keeps_sessions_and_changes_them(signed_in, workshop):
    page = f"/organizer/workshops/{workshop.id}/edit"
    html = signed_in.get(page).get_data(as_text=True)
    assert 'value="20/10/2558"' in html  # dates are written back in BE
    first_id = workshop.sessions[0].id
    data = {
        "title": workshop.title,
        "organizing_agency": workshop.organizing_agency,
        "venue_id": str(workshop.venue_id),
        "capacity": "80",
        "opens_day": "01/10/2558",
        "opens_time": "08:30",
        "closes_day": "19/10/2558",
        "closes_time": "16:30",
        "attendance_threshold": "100",
        "certificate_kind": "เกียรติบัตร",
        "sessions-0-id": str(first_id),
        "sessions-0-day": "20/10/2558",
        "sessions-0-starts": "09:00",
        "sessions-0-ends": "12:00",
        "sessions-0-title": "พิธีเปิด (ปรับเวลา)",
        "sessions-1-day": "21/10/2558",
        "sessions-1-starts": "08:30",
        "sessions-1-ends": "16:30",
        "sessions-1-title": "วันที่สอง",
    }
    response = submit_form(signed_in, page, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    sessions = db.session.get(Workshop, workshop.id).sessions
    assert [s.title for s in sessions] == ["พิธีเปิด (ปรับเวลา)", "วันที่สอง"]
    assert sessions[0].id == first_id
    assert WorkshopSession.query.count() == 2


def test_publish_then_close_then_cancel(signed_in, workshop, client):
    action = f"/organizer/workshops/{workshop.id}/status"
    page = f"/organizer/workshops/{workshop.id}"
    assert submit_form(signed_in, page, {"status": "published"}, action=action).status_code == 302
    db.session.refresh(workshop)
    assert workshop.status == "published"
    submit_form(signed_in, page, {"status": "closed"}, action=action)
    # Cancelling is not a status button: it leads to the page that asks for a reason.
    response = submit_form(signed_in, page, {"status": "cancelled"}, action=action)
    assert response.headers["Location"] == f"{page}/cancel"
    db.session.refresh(workshop)
    assert workshop.status == "closed"
    submit_form(signed_in, f"{page}/cancel", {"reason": "สถานที่ไม่พร้อมใช้งาน"})
    db.session.refresh(workshop)
    assert workshop.status == "cancelled"
    # Cancelled is final.
    response = submit_form(signed_in, page, {"status": "published"}, action=action)
    html = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "เปลี่ยนสถานะจาก ยกเลิกแล้ว เป็น เผยแพร่แล้ว ไม่ได้" in html
    db.session.refresh(workshop)
    assert workshop.status == "cancelled"
    events = AuditEvent.query.filter_by(action="workshop.status").order_by(AuditEvent.id)
    actions = [e.details for e in events]
    assert [d["to"] for d in actions] == ["published", "closed"]
    cancelled = AuditEvent.query.filter_by(action="workshop.cancel").one()
    assert cancelled.details["from"] == "closed"


def test_unknown_status_is_refused(signed_in, workshop):
    page = f"/organizer/workshops/{workshop.id}"
    submit_form(signed_in, page, {"status": "deleted"}, action=f"{page}/status")
    db.session.refresh(workshop)
    assert workshop.status == "draft"


def test_status_filter_lists_only_that_status(signed_in, workshop):
    html = signed_in.get("/organizer/workshops?status=published").get_data(as_text=True)
    assert workshop.title not in html
    html = signed_in.get("/organizer/workshops?status=draft").get_data(as_text=True)
    assert workshop.title in html


def test_drafts_are_hidden_from_the_public(client, workshop):
    assert workshop.title not in client.get("/").get_data(as_text=True)
    assert client.get(f"/workshops/{workshop.id}").status_code == 404


def test_published_workshop_is_public(client, workshop, organizer):
    from workshop.services.workshops import change_status

    change_status(workshop, "published", organizer)
    assert workshop.title in client.get("/").get_data(as_text=True)
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "20 ตุลาคม 2558" in page
    assert "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก" in page


def test_creating_a_workshop_without_venues_leads_to_adding_one(signed_in):
    response = signed_in.get("/organizer/workshops/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/organizer/venues/new"
