"""Officers who arrive at the door without registering: organizers seat them if seats remain."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import WALK_IN_FORM, login, make_officers, running_workshop, submit_form
from workshop.extensions import db
from workshop.models import AuditEvent, Notification, Registration, User
from workshop.services.errors import NotAllowed, NotFound, RegistrationClosed, WorkshopFull
from workshop.services.officers import OfficerProfile
from workshop.services.registrations import register_officer, register_walk_in


def page(workshop):
    return f"/organizer/workshops/{workshop.id}/walk-in"


def test_walk_in_without_email_gets_a_seat_and_no_mail(client, organizer, venue):
    workshop = running_workshop(venue, organizer, capacity=5)
    login(client, organizer)
    response = submit_form(client, page(workshop), WALK_IN_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    registration = Registration.query.one()
    assert registration.status == "confirmed"
    assert registration.user.full_name == "นายประเสริฐ ผู้ใหญ่บ้าน"
    assert not registration.user.mailable
    assert Notification.query.count() == 0
    event = AuditEvent.query.filter_by(action="user.walk_in").one()
    assert event.actor_id == organizer.id
    assert event.details["consent_recorded_by"] == organizer.id


def test_walk_in_with_an_existing_email_uses_that_account(client, organizer, officer, venue):
    workshop = running_workshop(venue, organizer, capacity=5)
    login(client, organizer)
    submit_form(client, page(workshop), {**WALK_IN_FORM, "email": officer.email.upper()})
    assert Registration.query.one().user_id == officer.id
    assert User.query.count() == 2  # organizer and the officer: no new account


def test_walk_in_goes_ahead_of_the_waitlist_but_not_over_capacity(client, organizer, venue):
    workshop = running_workshop(venue, organizer, capacity=2)
    officers = make_officers(3)
    for person in officers:
        register_officer(workshop.id, person, actor=organizer)  # 2 seated, 1 waiting
    login(client, organizer)
    accounts = User.query.count()
    response = submit_form(client, page(workshop), WALK_IN_FORM)
    assert response.status_code == 422
    assert "ที่นั่งเต็มแล้ว" in response.get_data(as_text=True)
    assert Registration.query.count() == 3
    assert User.query.count() == accounts  # no account left without its registration
    from workshop.services.registrations import cancel_registration

    cancel_registration(Registration.query.filter_by(user_id=officers[0].id).one().id, organizer)
    # the seat went to the first in line; a walk-in still finds none
    response = submit_form(client, page(workshop), {**WALK_IN_FORM, "first_name": "สมหมาย"})
    assert response.status_code == 422
    db.session.expire_all()
    workshop.capacity = 3
    db.session.commit()
    response = submit_form(client, page(workshop), {**WALK_IN_FORM, "first_name": "สมหมาย"})
    assert response.status_code == 302
    assert Registration.query.filter_by(status="confirmed").count() == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"consent": ""}, "ยืนยันว่าผู้เข้าอบรมให้ความยินยอม"), ({"first_name": ""}, "กรุณากรอก")],
)
def test_bad_walk_in_is_refused(client, organizer, venue, changes, message):
    workshop = running_workshop(venue, organizer)
    login(client, organizer)
    response = submit_form(client, page(workshop), {**WALK_IN_FORM, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Registration.query.count() == 0
    assert User.query.count() == 1


def test_only_organizers_seat_walk_ins(client, organizer, staff, venue):
    workshop = running_workshop(venue, organizer)
    (person,) = make_officers(1)
    with pytest.raises(NotAllowed):
        register_officer(workshop.id, person, walk_in=True)
    login(client, staff)
    assert client.get(page(workshop)).status_code == 403


def test_full_workshop_refuses_walk_in_in_the_service(organizer, venue):
    workshop = running_workshop(venue, organizer, capacity=1)
    first, second = make_officers(2)
    register_officer(workshop.id, first, actor=organizer, walk_in=True)
    with pytest.raises(WorkshopFull):
        register_officer(workshop.id, second, actor=organizer, walk_in=True)
    assert Registration.query.count() == 1


def test_two_walk_ins_racing_for_the_last_seat_leave_no_orphan_account(app, organizer, venue):
    workshop = running_workshop(venue, organizer, capacity=1)
    workshop_id, organizer_id = workshop.id, organizer.id
    start = threading.Barrier(2)

    def walk_in(first_name: str) -> str:
        with app.app_context():
            actor = db.session.get(User, organizer_id)
            db.session.commit()
            start.wait(timeout=30)
            try:
                register_walk_in(
                    workshop_id,
                    email="",
                    profile=profile_of_form(first_name),
                    consent=True,
                    actor=actor,
                )
                return "seated"
            except WorkshopFull:
                return "full"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(walk_in, ["สมชาย", "สมศรี"]))
    assert results == ["full", "seated"]
    db.session.rollback()
    assert Registration.query.count() == 1
    assert User.query.count() == 2  # the organizer and the one who got the seat
    assert AuditEvent.query.filter_by(action="user.walk_in").count() == 1


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_walk_in_to_a_workshop_not_taking_people_writes_nothing(organizer, venue, status):
    workshop = running_workshop(venue, organizer)
    workshop.status = status
    db.session.commit()
    with pytest.raises((RegistrationClosed, NotFound)):
        register_walk_in(
            workshop.id, email="", profile=profile_of_form("สมชาย"), consent=True, actor=organizer
        )
    db.session.rollback()
    assert User.query.count() == 1 and Registration.query.count() == 0


def test_staff_cannot_seat_walk_ins_in_the_service(staff, organizer, venue):
    workshop = running_workshop(venue, organizer)
    with pytest.raises(NotAllowed):
        register_walk_in(
            workshop.id, email="", profile=profile_of_form("สมชาย"), consent=True, actor=staff
        )
    assert User.query.count() == 2


def profile_of_form(first_name: str) -> OfficerProfile:
    return OfficerProfile(
        title_prefix=WALK_IN_FORM["title_prefix"],
        first_name=first_name,
        last_name=WALK_IN_FORM["last_name"],
        position=WALK_IN_FORM["position"],
        agency=WALK_IN_FORM["agency"],
        district=WALK_IN_FORM["district"],
        province=WALK_IN_FORM["province"],
        phone=WALK_IN_FORM["phone"],
    )
