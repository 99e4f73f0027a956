"""Organizers see, filter and manage registrations through the pages."""

import pytest

from tests.support import login, make_officers, open_workshop, submit_form
from workshop.extensions import db
from workshop.models import Registration
from workshop.services.registrations import register_officer
from workshop.services.tickets import ticket_token


@pytest.fixture
def full(venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=2)
    officers = make_officers(4)
    regs = [register_officer(workshop.id, o) for o in officers]
    return workshop, officers, regs


@pytest.fixture
def signed_in(client, organizer):
    login(client, organizer)
    return client


def page_of(workshop):
    return f"/organizer/workshops/{workshop.id}/registrations"


def test_list_shows_seats_waitlist_and_filters(signed_in, full):
    workshop, officers, _regs = full
    html = signed_in.get(page_of(workshop)).get_data(as_text=True)
    assert "2 / 2" in html
    for officer in officers:
        assert officer.full_name in html
    assert "#1" in html and "#2" in html
    waiting = signed_in.get(page_of(workshop) + "?status=waitlisted").get_data(as_text=True)
    assert officers[0].full_name not in waiting
    assert officers[3].full_name in waiting
    district = officers[1].district
    by_district = signed_in.get(page_of(workshop) + f"?district={district}").get_data(as_text=True)
    assert officers[1].full_name in by_district
    assert all(o.full_name not in by_district for o in officers if o.district != district)


def test_move_to_waitlist_then_seat_someone_else(signed_in, full):
    workshop, _officers, regs = full
    page = page_of(workshop)
    submit_form(signed_in, page, {}, action=f"/organizer/registrations/{regs[0].id}/waitlist")
    submit_form(signed_in, page, {}, action=f"/organizer/registrations/{regs[3].id}/confirm")
    db.session.expire_all()
    assert [db.session.get(Registration, r.id).status for r in regs] == [
        "waitlisted",
        "confirmed",
        "waitlisted",
        "confirmed",
    ]


def test_confirming_when_full_says_so_and_changes_nothing(signed_in, full):
    workshop, _officers, regs = full
    response = submit_form(
        signed_in, page_of(workshop), {}, action=f"/organizer/registrations/{regs[2].id}/confirm"
    )
    html = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "ที่นั่งเต็ม" in html
    db.session.expire_all()
    assert db.session.get(Registration, regs[2].id).status == "waitlisted"


def test_organizer_cancel_promotes_the_line(signed_in, full):
    workshop, _officers, regs = full
    submit_form(
        signed_in,
        page_of(workshop),
        {"reason": "ไม่มาตามนัด"},
        action=f"/organizer/registrations/{regs[0].id}/cancel",
    )
    db.session.expire_all()
    assert db.session.get(Registration, regs[0].id).status == "cancelled"
    assert db.session.get(Registration, regs[0].id).cancel_reason == "ไม่มาตามนัด"
    assert db.session.get(Registration, regs[2].id).status == "confirmed"


def test_rotating_a_ticket_changes_the_qr(signed_in, full):
    workshop, _officers, regs = full
    before = ticket_token(regs[0])
    submit_form(
        signed_in, page_of(workshop), {}, action=f"/organizer/registrations/{regs[0].id}/rotate"
    )
    db.session.expire_all()
    assert ticket_token(db.session.get(Registration, regs[0].id)) != before


def test_register_on_behalf_by_email(signed_in, venue, organizer, officer):
    workshop = open_workshop(venue, organizer, capacity=5)
    response = submit_form(
        signed_in, page_of(workshop), {"email": officer.email.upper()}, action=page_of(workshop)
    )
    html = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "ลงทะเบียนให้" in html
    registration = Registration.query.one()
    assert registration.registered_by_id == organizer.id
    response = submit_form(
        signed_in, page_of(workshop), {"email": "nobody@example.go.th"}, action=page_of(workshop)
    )
    assert "ไม่พบบัญชีผู้เข้าอบรม" in signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert Registration.query.count() == 1


def test_unknown_action_and_registration_are_404(signed_in, full):
    workshop, _officers, regs = full
    page = page_of(workshop)
    assert (
        submit_form(
            signed_in, page, {}, action=f"/organizer/registrations/{regs[0].id}/delete"
        ).status_code
        == 404
    )
    assert (
        submit_form(
            signed_in, page, {}, action="/organizer/registrations/999999/cancel"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["officer", "staff"])
def test_other_roles_cannot_manage_registrations(client, full, role):
    from tests.support import make_user

    workshop, _officers, regs = full
    login(client, make_user(role))
    assert client.get(page_of(workshop)).status_code == 403
    response = submit_form(client, "/", {}, action=f"/organizer/registrations/{regs[0].id}/cancel")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Registration, regs[0].id).status == "confirmed"
