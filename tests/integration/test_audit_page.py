"""The organizers' audit log page: newest first, Thai labels and dates, filters, pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.support import login, make_user
from workshop.extensions import db
from workshop.models import AuditEvent
from workshop.services.audit_log import list_events


def test_organizer_sees_events_newest_first_in_thai(client, organizer, workshop):
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "venue.create")
    ).one()
    event.created_at = datetime(2015, 10, 20, 1, 30, tzinfo=UTC)  # 08.30 in Bangkok
    db.session.commit()
    login(client, organizer)
    page = client.get("/organizer/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "บันทึกการใช้งาน" in html
    assert "สร้างการอบรม" in html
    assert "สุนันทา" in html  # the actor's name
    assert "20 ตุลาคม 2558 08.30 น." in html  # Buddhist Era, Bangkok time
    assert f"/organizer/workshops/{workshop.id}" in html
    assert f"สร้างการอบรม “{workshop.title}”" in html  # a sentence naming the record
    # Newest first: the venue's event is dated 2015, so it comes after the workshop's.
    assert html.index("สร้างการอบรม “") < html.index("เพิ่มสถานที่ “")


def test_filters_by_action_and_entity(client, organizer, workshop, venue):
    login(client, organizer)
    html = client.get("/organizer/audit?action=venue.create").get_data(as_text=True)
    assert "เพิ่มสถานที่ “" in html and "สร้างการอบรม “" not in html
    html = client.get(f"/organizer/audit?entity=workshops&entity_id={workshop.id}").get_data(
        as_text=True
    )
    assert "สร้างการอบรม “" in html and "เพิ่มสถานที่ “" not in html
    assert client.get("/organizer/audit?entity_id=99999999999&page=-3").status_code == 200


def test_pages_of_events(organizer, venue):
    for n in range(5):
        db.session.add(
            AuditEvent(
                actor_id=organizer.id,
                action="venue.update",
                entity_type="venues",
                entity_id=venue.id,
                details={"name": f"v{n}"},
            )
        )
    db.session.commit()
    first = list_events(page=1, per_page=4, entity_type="venues")
    second = list_events(page=2, per_page=4, entity_type="venues")
    assert (first.total, first.pages, len(first.events), len(second.events)) == (6, 2, 4, 2)
    assert list_events(page=9, per_page=4, entity_type="venues").page == 2
    ids = [e.id for e in first.events + second.events]
    assert ids == sorted(ids, reverse=True)


def test_page_links_keep_the_filters(client, organizer, venue, monkeypatch):
    monkeypatch.setattr("workshop.services.audit_log.PER_PAGE", 1)
    for _ in range(2):
        db.session.add(
            AuditEvent(
                actor_id=None,
                action="venue.update",
                entity_type="venues",
                entity_id=1,
                office_id=organizer.office_id,  # organizers read their office's events
            )
        )
    db.session.commit()
    login(client, organizer)
    html = client.get("/organizer/audit?action=venue.update").get_data(as_text=True)
    assert "ระบบ" in html  # an event without an actor
    assert "page=2" in html and "action=venue.update" in html


def test_staff_and_officers_get_403(client, staff, officer):
    login(client, staff)
    assert client.get("/organizer/audit").status_code == 403
    client.post("/auth/logout")
    fresh = client.application.test_client()
    login(fresh, officer)
    assert fresh.get("/organizer/audit").status_code == 403
    assert client.application.test_client().get("/organizer/audit").status_code == 302


def test_events_read_as_thai_sentences_without_codes_or_utc(client, organizer, venue, officer):
    """Issue 14 §6: translated actions and statuses, Bangkok Buddhist-Era times, links to the
    records; no raw action names, status codes or ISO UTC stamps."""
    from tests.support import open_workshop
    from workshop.services.registrations import register_officer
    from workshop.services.workshops import change_status

    workshop = open_workshop(venue, organizer, capacity=1)
    register_officer(workshop.id, organizer_made := officer)
    other = make_user("officer", "other@example.go.th", first_name="สมศรี", last_name="ดีมาก")
    register_officer(workshop.id, other)  # waitlisted
    change_status(workshop, "closed", organizer)
    db.session.add(
        AuditEvent(
            actor_id=organizer.id,
            action="refused_scan.dismiss",
            entity_type="workshops",
            entity_id=workshop.id,
            office_id=workshop.office_id,  # as record_event files it: the organizer sees it
            details={"scanned_at": "2015-10-20T01:30:00+00:00", "code": "sync_too_late"},
        )
    )
    db.session.commit()
    login(client, organizer)
    html = client.get("/organizer/audit").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    assert f"ลงทะเบียน {organizer_made.full_name} ({workshop.title}) (ได้ที่นั่ง)" in text
    assert "(รายชื่อสำรอง)" in text
    assert f"เปลี่ยนสถานะการอบรม “{workshop.title}” จาก “เผยแพร่แล้ว” เป็น “ปิดรับสมัคร”" in text
    assert "20 ต.ค. 58 08.30 น." in text  # the scan time: Bangkok, Buddhist Era
    raws = ("registration.create", "workshop.status", "waitlisted", "sync_too_late", "+00:00")
    for raw in (*raws, "2015-10-20T"):
        assert raw not in text, raw
    assert f"/organizer/workshops/{workshop.id}/registrations#registration-" in html
