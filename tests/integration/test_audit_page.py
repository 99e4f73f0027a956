"""The organizers' audit log page: newest first, Thai labels and dates, filters, pages."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support import login
from workshop.extensions import db
from workshop.models import AuditEvent
from workshop.services.audit import list_events


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
    assert "20 ต.ค. 58 08.30 น." in html  # Buddhist Era, Bangkok time
    assert f"/organizer/workshops/{workshop.id}" in html
    assert workshop.title in html  # details
    # Newest first: the venue's event is dated 2015, so it comes after the workshop's.
    assert html.index("<td>สร้างการอบรม</td>") < html.index("<td>เพิ่มสถานที่</td>")


def test_filters_by_action_and_entity(client, organizer, workshop, venue):
    login(client, organizer)
    html = client.get("/organizer/audit?action=venue.create").get_data(as_text=True)
    assert "เพิ่มสถานที่" in html and "<td>สร้างการอบรม</td>" not in html
    html = client.get(f"/organizer/audit?entity=workshops&entity_id={workshop.id}").get_data(
        as_text=True
    )
    assert "<td>สร้างการอบรม</td>" in html and "<td>เพิ่มสถานที่</td>" not in html
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
    monkeypatch.setattr("workshop.services.audit.PER_PAGE", 1)
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
