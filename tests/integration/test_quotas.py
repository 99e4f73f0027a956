"""Office quotas and nominations: seats held per office, filled through a nomination link by the
office's head, and released to the general pool (and the waitlist) on the release date."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.integration.test_mail import Inbox, free_port, mail_config, smtp_server  # noqa: F401
from tests.support import login, make_office, make_officers, make_user, open_workshop, submit_form
from workshop.extensions import db
from workshop.models import AuditEvent, NominationLink, Registration, User, Workshop, WorkshopQuota
from workshop.models.types import utcnow
from workshop.services.errors import NotAllowed, ValidationFailed
from workshop.services.quotas import (
    NomineeInput,
    create_nomination_link,
    release_due_quotas,
    set_quotas,
    submit_nominations,
)
from workshop.services.registrations import cancel_registration, register_officer
from workshop.services.workshops import update_workshop, workshop_input

WANGTHONG = "สำนักงานพัฒนาชุมชนอำเภอวังทอง"
NAKHONTHAI = "สำนักงานพัฒนาชุมชนอำเภอนครไทย"


@pytest.fixture
def inbox(smtp_server, mail_config) -> Inbox:  # noqa: F811
    controller, handler = smtp_server
    mail_config["MAIL_SERVER"] = controller.hostname
    mail_config["MAIL_PORT"] = controller.port
    handler.envelopes.clear()
    return handler


def district_offices():
    province = make_office()
    return (
        make_office(WANGTHONG, parent_id=province.id, province="พิษณุโลก", district="วังทอง"),
        make_office(NAKHONTHAI, parent_id=province.id, province="พิษณุโลก", district="นครไทย"),
    )


def nominee(n: int, **changes) -> NomineeInput:
    values = dict(
        title_prefix="นาย",
        first_name=f"สมชาย{'กขคงจฉชซฌญ'[n % 10]}",
        last_name="ใจดี",
        position="นักวิชาการพัฒนาชุมชน",
        email=f"nominee{n}@example.go.th",
    )
    values.update(changes)
    return NomineeInput(**values)


def counts(workshop_id: int) -> tuple[int, int, int]:
    db.session.rollback()
    w = db.session.get(Workshop, workshop_id)
    db.session.refresh(w)
    return w.confirmed_count, w.waitlist_count, w.reserved_unfilled


def test_general_pool_does_not_take_reserved_seats(venue, organizer, client):
    wangthong, nakhonthai = district_offices()
    workshop = open_workshop(venue, organizer, capacity=5)
    set_quotas(workshop.id, {wangthong.id: "2", nakhonthai.id: "1"}, None, organizer)
    officers = make_officers(4)
    statuses = [register_officer(workshop.id, o).status for o in officers]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert counts(workshop.id) == (2, 2, 3)
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert re.search(r'class="count">0</span>', page)  # no free seat shown to the public


def test_quota_page_validates_every_field_in_one_pass(client, organizer, venue):
    wangthong, nakhonthai = district_offices()
    workshop = open_workshop(venue, organizer, capacity=10)
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/quotas"
    response = submit_form(
        client,
        page,
        {
            f"seats_{wangthong.id}": "สาม",
            f"seats_{nakhonthai.id}": "-1",
            "release_day": "2015-13-40",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("โควตาต้องเป็นจำนวนเต็มตั้งแต่ 0 ขึ้นไป") == 2
    response = submit_form(
        client, page, {f"seats_{wangthong.id}": "8", f"seats_{nakhonthai.id}": "3"}
    )
    assert response.status_code == 422
    assert "โควตารวม 11 ที่ เกินจำนวนที่รับ 10 ที่" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WorkshopQuota)) == 0
    response = submit_form(
        client, page, {f"seats_{wangthong.id}": "6", f"seats_{nakhonthai.id}": "4"}
    )
    assert response.status_code == 302
    assert counts(workshop.id) == (0, 0, 10)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "quota.set")).all()
    assert len(events) == 1
    assert events[0].details["seats"] == {str(wangthong.id): [0, 6], str(nakhonthai.id): [0, 4]}


def test_quotas_cannot_take_seats_already_given_out(venue, organizer):
    wangthong, _ = district_offices()
    workshop = open_workshop(venue, organizer, capacity=3)
    for officer in make_officers(2):
        register_officer(workshop.id, officer)
    with pytest.raises(ValidationFailed) as caught:
        set_quotas(workshop.id, {wangthong.id: "2"}, None, organizer)
    assert "ที่นั่งว่างเหลือ 1 ที่" in caught.value.fields["total"]


def test_office_head_nominates_through_the_link_and_people_are_mailed(
    client, organizer, venue, inbox
):
    wangthong, _ = district_offices()
    workshop = open_workshop(venue, organizer, capacity=10)
    existing = make_user("officer", "existing@example.go.th", first_name="มาลี")
    set_quotas(workshop.id, {wangthong.id: "2"}, None, organizer)
    login(client, organizer)
    response = submit_form(
        client,
        f"/organizer/workshops/{workshop.id}/quotas",
        {
            "office_id": wangthong.id,
            "head_name": "นายพัฒนาการอำเภอวังทอง",
            "head_email": "head@example.go.th",
            "days": "7",
        },
        action=f"/organizer/workshops/{workshop.id}/quotas/link",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    url = re.search(r'value="(http://localhost/nominate/[^"]+)"', html).group(1)
    assert "mailto:head%40example.go.th" in html
    path = url.removeprefix("http://localhost")
    client.get("/auth/logout")
    anonymous = client.application.test_client()
    page = anonymous.get(path).get_data(as_text=True)
    assert "เหลือ 2 ที่" in page
    rows = {
        "rows-0-title_prefix": "นาย",
        "rows-0-first_name": "สมชาย",
        "rows-0-last_name": "ใจดี",
        "rows-0-position": "นักพัฒนาชุมชน",
        "rows-0-email": "new.person@example.go.th",
        "rows-1-title_prefix": "นางสาว",
        "rows-1-first_name": "มาลี",
        "rows-1-last_name": "ปิ่นทอง",
        "rows-1-position": "เจ้าพนักงานพัฒนาชุมชน",
        "rows-1-email": "Existing@example.go.th",
    }
    response = submit_form(anonymous, path, rows)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.rollback()
    made = db.session.scalar(select(User).where(User.email == "new.person@example.go.th"))
    assert (made.office_id, made.agency, made.role) == (wangthong.id, WANGTHONG, "officer")
    held = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert [(r.user_id, r.status) for r in held] == [
        (made.id, "confirmed"),
        (existing.id, "confirmed"),
    ]
    assert all(r.quota_id is not None for r in held)
    assert counts(workshop.id) == (2, 0, 0)
    # The new account gets its ticket and an invitation to set a password; the existing one
    # only its ticket.
    to_new = [m for rcpt, m in inbox.messages() if rcpt == ["new.person@example.go.th"]]
    subjects = sorted(str(m["Subject"]) for m in to_new)
    assert len(subjects) == 2 and any("เชิญตั้งรหัสผ่าน" in s for s in subjects)
    invitation = next(m for m in to_new if "เชิญตั้งรหัสผ่าน" in str(m["Subject"]))
    assert re.search(r"/auth/reset/\S+", invitation.get_body(("plain",)).get_content())
    assert "เชิญตั้งรหัสผ่าน" not in str(inbox.to("existing@example.go.th")["Subject"])
    # The quota is full now: the page says so and a further name is refused.
    assert "เสนอชื่อครบตามโควตาแล้ว" in anonymous.get(path).get_data(as_text=True)
    link = db.session.scalar(select(NominationLink))
    assert link.token_digest not in url  # only the digest is stored
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "nomination.link" in actions and "nomination.submit" in actions


def test_nominations_are_all_or_nothing_and_within_the_quota(venue, organizer):
    wangthong, _ = district_offices()
    workshop = open_workshop(venue, organizer, capacity=10)
    set_quotas(workshop.id, {wangthong.id: "2"}, None, organizer)
    _, token = create_nomination_link(
        workshop.id, wangthong.id, head_name="", head_email="", days=3, actor=organizer
    )
    with pytest.raises(ValidationFailed) as caught:
        submit_nominations(token, [nominee(0), nominee(1, first_name="", email="bad"), nominee(2)])
    assert set(caught.value.fields) == {"rows.1.first_name", "rows.1.email"}
    with pytest.raises(ValidationFailed) as caught:
        submit_nominations(token, [nominee(0), nominee(1), nominee(2)])
    assert caught.value.fields["rows"] == "โควตาเหลือ 2 ที่ แต่เสนอชื่อมา 3 คน"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.email.like("nominee%")))
        == 0
    )
    assert len(submit_nominations(token, [nominee(0)])) == 1
    with pytest.raises(ValidationFailed) as caught:
        submit_nominations(token, [nominee(0, email="NOMINEE0@example.go.th")])
    assert caught.value.fields == {"rows.0.email": "ผู้นี้ลงทะเบียนการอบรมนี้อยู่แล้ว"}


def test_expired_replaced_and_unknown_links(client, venue, organizer):
    wangthong, _ = district_offices()
    workshop = open_workshop(venue, organizer, capacity=10)
    set_quotas(workshop.id, {wangthong.id: "2"}, None, organizer)
    _, first = create_nomination_link(
        workshop.id, wangthong.id, head_name="", head_email="", days=3, actor=organizer
    )
    _, second = create_nomination_link(
        workshop.id, wangthong.id, head_name="", head_email="", days=3, actor=organizer
    )
    assert client.get(f"/nominate/{first}").status_code == 410
    assert client.get(f"/nominate/{second}").status_code == 200
    assert client.get("/nominate/not-a-token").status_code == 404
    late = utcnow() + timedelta(days=4)
    with pytest.raises(Exception) as caught:
        submit_nominations(second, [nominee(0)], now=late)
    assert getattr(caught.value, "code", "") == "link_expired"


def test_release_returns_unfilled_seats_and_promotes_the_waitlist_once(venue, organizer):
    wangthong, nakhonthai = district_offices()
    workshop = open_workshop(venue, organizer, capacity=4)
    release = utcnow() + timedelta(hours=1)
    set_quotas(workshop.id, {wangthong.id: "2", nakhonthai.id: "1"}, release, organizer)
    _, token = create_nomination_link(
        workshop.id, wangthong.id, head_name="", head_email="", days=3, actor=organizer
    )
    submit_nominations(token, [nominee(0)])
    officers = make_officers(4)
    assert [register_officer(workshop.id, o).status for o in officers] == [
        "confirmed",
        "waitlisted",
        "waitlisted",
        "waitlisted",
    ]
    assert counts(workshop.id) == (2, 3, 2)
    assert release_due_quotas(now=utcnow()) == 0  # not yet
    later = release + timedelta(minutes=1)
    assert release_due_quotas(now=later) == 1
    assert release_due_quotas(now=later) == 0
    assert counts(workshop.id) == (4, 1, 0)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "quota.release")
    ).all()
    assert len(events) == 1 and events[0].details["seats"] == 2
    # After the release a quota seat given up goes to the pool (the next in line).
    held = db.session.scalar(select(Registration).where(Registration.quota_id.is_not(None)))
    cancel_registration(held.id, organizer)
    assert counts(workshop.id) == (4, 0, 0)
    with pytest.raises(NotAllowed):
        set_quotas(workshop.id, {wangthong.id: "3"}, None, organizer)


def test_release_happens_at_the_first_seat_change_after_the_date(venue, organizer):
    wangthong, _ = district_offices()
    workshop = open_workshop(venue, organizer, capacity=2)
    set_quotas(workshop.id, {wangthong.id: "2"}, utcnow() + timedelta(hours=1), organizer)
    first, second = make_officers(2)
    assert register_officer(workshop.id, first).status == "waitlisted"
    db.session.execute(
        Workshop.__table__.update()
        .where(Workshop.id == workshop.id)
        .values(quota_release_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    # The next registration releases first (promoting the first in line), then is decided.
    assert register_officer(workshop.id, second).status == "confirmed"
    assert counts(workshop.id) == (2, 0, 0)


def test_parallel_release_passes_release_once(app, venue, organizer):
    wangthong, _ = district_offices()
    workshop = open_workshop(venue, organizer, capacity=3)
    set_quotas(workshop.id, {wangthong.id: "3"}, utcnow() + timedelta(hours=1), organizer)
    for officer in make_officers(3):
        register_officer(workshop.id, officer)
    later = utcnow() + timedelta(hours=2)
    results: list[int] = []
    start = threading.Barrier(6)

    def run() -> None:
        with app.app_context():
            start.wait()
            results.append(release_due_quotas(now=later))
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, 0, 0, 0, 1]
    assert counts(workshop.id) == (3, 0, 0)
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "registration.promote")
        )
        == 3
    )


def test_quota_seat_given_up_before_release_stays_with_the_office(venue, organizer):
    wangthong, _ = district_offices()
    workshop = open_workshop(venue, organizer, capacity=2)
    set_quotas(workshop.id, {wangthong.id: "1"}, None, organizer)
    _, token = create_nomination_link(
        workshop.id, wangthong.id, head_name="", head_email="", days=3, actor=organizer
    )
    (held,) = submit_nominations(token, [nominee(0)])
    first, second = make_officers(2)
    register_officer(workshop.id, first)
    assert register_officer(workshop.id, second).status == "waitlisted"
    cancel_registration(held.id, organizer)
    assert counts(workshop.id) == (1, 1, 1)  # nobody promoted: the seat is the office's again
    assert len(submit_nominations(token, [nominee(1)])) == 1


def test_capacity_cannot_drop_below_quota_seats_held(venue, organizer):
    wangthong, _ = district_offices()
    workshop = open_workshop(venue, organizer, capacity=10)
    set_quotas(workshop.id, {wangthong.id: "6"}, None, organizer)
    db.session.refresh(workshop)
    with pytest.raises(ValidationFailed) as caught:
        update_workshop(workshop, replace(workshop_input(workshop), capacity=5), organizer)
    assert "ที่นั่งโควตา" in caught.value.fields["capacity"]


def test_removing_a_quota_removes_its_links(client, venue, organizer):
    wangthong, _ = district_offices()
    workshop = open_workshop(venue, organizer, capacity=10)
    set_quotas(workshop.id, {wangthong.id: "2"}, None, organizer)
    _, token = create_nomination_link(
        workshop.id, wangthong.id, head_name="", head_email="", days=3, actor=organizer
    )
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "อีก 2 ที่จองไว้ให้หน่วยงานตามโควตา" in page
    set_quotas(workshop.id, {wangthong.id: ""}, None, organizer)
    assert counts(workshop.id) == (0, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(WorkshopQuota)) == 0
    assert db.session.scalar(select(func.count()).select_from(NominationLink)) == 0
    assert client.get(f"/nominate/{token}").status_code == 404
