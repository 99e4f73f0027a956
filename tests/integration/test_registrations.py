"""Registration rules: seats, waitlist order, one registration per officer, cancellation."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.support import make_officers, open_workshop, workshop_input
from workshop.extensions import db
from workshop.models import AuditEvent, Registration, Workshop
from workshop.services.errors import (
    AlreadyRegistered,
    NotAllowed,
    NotFound,
    RegistrationClosed,
    ValidationFailed,
    WorkshopFull,
)
from workshop.services.registrations import (
    cancel_registration,
    confirm_waitlisted,
    move_to_waitlist,
    register_officer,
    registrations_for_workshop,
)
from workshop.services.waitlist import waitlist_position
from workshop.services.workshops import change_status, create_workshop, patch_workshop


@pytest.fixture
def small(venue, organizer):
    return open_workshop(venue, organizer, capacity=2)


def counters(workshop_id):
    workshop = db.session.get(Workshop, workshop_id, populate_existing=True)
    return workshop.confirmed_count, workshop.waitlist_count


def test_seats_then_waitlist_in_order(small):
    officers = make_officers(5)
    results = [register_officer(small.id, o) for o in officers]
    assert [r.status for r in results] == ["confirmed", "confirmed"] + ["waitlisted"] * 3
    assert [waitlist_position(r) for r in results] == [None, None, 1, 2, 3]
    assert counters(small.id) == (2, 3)


def test_second_registration_is_refused(small, officer):
    register_officer(small.id, officer)
    with pytest.raises(AlreadyRegistered) as info:
        register_officer(small.id, officer)
    assert info.value.code == "already_registered"
    assert Registration.query.count() == 1


def test_cancel_promotes_the_first_in_line(small, organizer):
    a, b, c, d = make_officers(4)
    ra, _rb, rc, rd = (register_officer(small.id, o) for o in (a, b, c, d))
    changes = cancel_registration(ra.id, a, reason="ติดราชการ")
    assert changes.registration.status == "cancelled"
    assert [p.id for p in changes.promoted] == [rc.id]
    db.session.expire_all()
    assert db.session.get(Registration, rc.id).status == "confirmed"
    assert waitlist_position(db.session.get(Registration, rd.id)) == 1
    assert counters(small.id) == (2, 1)
    assert AuditEvent.query.filter_by(action="registration.promote").count() == 1


def test_cancelled_officer_may_register_again_at_the_end_of_the_line(small):
    a, b, c = make_officers(3)
    ra = register_officer(small.id, a)
    register_officer(small.id, b)
    register_officer(small.id, c)
    cancel_registration(ra.id, a)  # c is promoted
    again = register_officer(small.id, a)
    assert again.status == "waitlisted"
    assert waitlist_position(again) == 1


def test_newcomer_waits_behind_the_line_even_when_a_seat_is_free(small, organizer):
    a, b, c, d = make_officers(4)
    ra = register_officer(small.id, a)
    register_officer(small.id, b)
    register_officer(small.id, c)  # waiting
    move_to_waitlist(ra.id, organizer)  # frees a seat but c still waits
    rd = register_officer(small.id, d)
    assert rd.status == "waitlisted"
    assert counters(small.id) == (1, 3)


def test_waitlisted_cancel_keeps_positions_contiguous(small):
    officers = make_officers(6)
    regs = [register_officer(small.id, o) for o in officers]
    cancel_registration(regs[3].id, officers[3])
    db.session.expire_all()
    positions = [waitlist_position(db.session.get(Registration, r.id)) for r in regs[2:]]
    assert positions == [1, None, 2, 3]


def test_officer_cannot_cancel_someone_elses(small):
    a, b = make_officers(2)
    ra = register_officer(small.id, a)
    with pytest.raises(NotFound):
        cancel_registration(ra.id, b)
    assert db.session.get(Registration, ra.id).status == "confirmed"


def test_cancelling_twice_is_refused(small, officer):
    reg = register_officer(small.id, officer)
    cancel_registration(reg.id, officer)
    with pytest.raises(NotAllowed):
        cancel_registration(reg.id, officer)
    assert counters(small.id) == (0, 0)


def test_cancel_reason_with_control_characters_is_refused(small, officer):
    reg = register_officer(small.id, officer)
    with pytest.raises(ValidationFailed):
        cancel_registration(reg.id, officer, reason="x\x00")
    assert db.session.get(Registration, reg.id).status == "confirmed"


def test_registration_window_and_status(venue, organizer, officer):
    draft = create_workshop(workshop_input(venue), organizer)  # 2015: draft, long closed
    with pytest.raises(NotFound):
        register_officer(draft.id, officer)
    change_status(draft, "published", organizer)
    with pytest.raises(RegistrationClosed) as info:
        register_officer(draft.id, officer)
    assert info.value.code == "registration_closed"
    future = open_workshop(venue, organizer)
    with pytest.raises(RegistrationClosed):
        register_officer(future.id, officer, now=datetime.now(UTC) - timedelta(days=30))
    change_status(future, "closed", organizer)
    with pytest.raises(RegistrationClosed):
        register_officer(future.id, officer)
    assert Registration.query.count() == 0


def test_organizer_registers_on_behalf_outside_the_window(venue, organizer, officer):
    workshop = create_workshop(workshop_input(venue), organizer)
    change_status(workshop, "published", organizer)
    reg = register_officer(workshop.id, officer, actor=organizer)
    assert reg.status == "confirmed"
    assert reg.registered_by_id == organizer.id


def test_only_organizers_register_others_and_only_officers_are_registered(small, staff, officer):
    with pytest.raises(NotAllowed):
        register_officer(small.id, officer, actor=staff)
    with pytest.raises(NotAllowed):
        register_officer(small.id, staff)
    assert Registration.query.count() == 0


def test_organizer_moves_between_waitlist_and_seats(small, organizer):
    a, b, c = make_officers(3)
    _ra, rb, rc = (register_officer(small.id, o) for o in (a, b, c))
    with pytest.raises(WorkshopFull):
        confirm_waitlisted(rc.id, organizer)
    move_to_waitlist(rb.id, organizer)
    confirm_waitlisted(rc.id, organizer)  # organizer picks c over the line
    db.session.expire_all()
    assert db.session.get(Registration, rc.id).status == "confirmed"
    assert db.session.get(Registration, rb.id).status == "waitlisted"
    assert counters(small.id) == (2, 1)
    with pytest.raises(NotAllowed):
        move_to_waitlist(rb.id, organizer)


def test_more_capacity_promotes_the_line(small, organizer):
    officers = make_officers(5)
    regs = [register_officer(small.id, o) for o in officers]
    patch_workshop(small, {"capacity": 4}, organizer)
    db.session.expire_all()
    statuses = [db.session.get(Registration, r.id).status for r in regs]
    assert statuses == ["confirmed"] * 4 + ["waitlisted"]
    assert waitlist_position(db.session.get(Registration, regs[4].id)) == 1
    assert counters(small.id) == (4, 1)


def test_capacity_cannot_drop_below_confirmed(small, organizer):
    make_regs = [register_officer(small.id, o) for o in make_officers(2)]
    assert len(make_regs) == 2
    with pytest.raises(ValidationFailed) as info:
        patch_workshop(small, {"capacity": 1}, organizer)
    assert "capacity" in info.value.fields
    assert counters(small.id) == (2, 0)


def test_organizer_list_filters(small, organizer):
    officers = make_officers(5)
    for o in officers:
        register_officer(small.id, o)
    everyone = registrations_for_workshop(small.id)
    assert [(r.status, place) for r, place in everyone] == [("confirmed", None)] * 2 + [
        ("waitlisted", 1),
        ("waitlisted", 2),
        ("waitlisted", 3),
    ]
    waiting = registrations_for_workshop(small.id, status="waitlisted")
    assert [place for _r, place in waiting] == [1, 2, 3]
    district = officers[0].district
    assert all(
        r.user.district == district
        for r, _place in registrations_for_workshop(small.id, district=district)
    )


def test_ticket_secrets_are_unique(small):
    regs = [register_officer(small.id, o) for o in make_officers(5)]
    assert len({r.ticket_secret for r in regs}) == 5
