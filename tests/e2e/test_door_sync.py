"""What the door scanner shows when its offline queue syncs after the registrations changed, and
when a check-in it undoes was undone elsewhere already (issue 12 §1, §2)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.support import workshop_running_now
from tests.support import make_officers
from workshop.extensions import db
from workshop.models import CheckIn, RefusedScan
from workshop.services.checkins import undo_check_in
from workshop.services.registrations import cancel_registration, register_officer, rotate_ticket
from workshop.services.tickets import ticket_token

pytestmark = pytest.mark.e2e


@pytest.fixture
def door(venue, organizer):
    """A session running now with two seats: two officers seated, one waiting."""
    workshop = workshop_running_now(venue, organizer, capacity=2)
    people = [register_officer(workshop.id, o, actor=organizer) for o in make_officers(3)]
    assert [r.status for r in people] == ["confirmed", "confirmed", "waitlisted"]
    return workshop, workshop.sessions[0], people


def open_scanner(page, base: str, staff, workshop, session) -> None:
    sign_in(page, base, staff)
    page.goto(f"{base}/checkin/{workshop.id}/{session.id}")
    expect(page.locator("#scanner")).to_have_attribute("data-roster", "ready")
    expect(page.locator("#scanner")).to_have_attribute("data-offline-ready", "1")


def enter_code(page, code: str) -> None:
    page.fill("#code", code)
    page.press("#code", "Enter")


def test_sync_shows_what_the_server_refused_and_who_is_no_longer_seated(
    phone, live_server, staff, organizer, door, shoot
):
    workshop, session, (reissued, cancelled, _waiting) = door
    old_ticket = ticket_token(reissued)
    page = phone.new_page()
    open_scanner(page, live_server, staff, workshop, session)
    result, net, counter = page.locator("#result"), page.locator("#net"), page.locator("#counter")

    phone.set_offline(True)
    expect(net).to_have_attribute("data-online", "0")
    # The office reissues a ticket meanwhile; this door's roster still knows the old one.
    rotate_ticket(reissued, organizer)
    enter_code(page, old_ticket)
    expect(result).to_have_attribute("data-state", "checked_in")
    enter_code(page, ticket_token(cancelled))
    expect(result).to_have_attribute("data-state", "checked_in")
    expect(net).to_have_attribute("data-queue", "2")
    expect(counter).to_have_text("เช็กอินแล้ว 2 / 2")
    # ... and cancels a registration after its holder came in.
    cancel_registration(cancelled.id, organizer)

    phone.set_offline(False)
    expect(net).to_have_attribute("data-queue", "0")
    problems = page.locator("#sync-problems li")
    expect(problems).to_have_count(2)
    refused = page.locator('#sync-problems li[data-code="invalid_ticket"]')
    expect(refused).to_contain_text("ไม่รับผลสแกนออฟไลน์")
    expect(refused).to_contain_text(reissued.user.full_name)
    expect(refused).to_contain_text("ผู้จัดตรวจรายการนี้ได้ในหน้าการอบรม")
    not_seated = page.locator('#sync-problems li[data-code="not_seated_now"]')
    expect(not_seated).to_contain_text(cancelled.user.full_name)
    expect(not_seated).to_contain_text("ไม่นับในจำนวนผู้เช็กอิน")
    # The waiting officer got the freed seat; neither scan counts now.
    expect(counter).to_have_text("เช็กอินแล้ว 0 / 2")
    page.locator("#sync-problems").scroll_into_view_if_needed()
    shoot(page, "offline-sync-refused-and-not-seated")

    db.session.rollback()
    assert [c.registration_id for c in CheckIn.query.all()] == [cancelled.id]
    assert [(r.registration_id, r.code) for r in RefusedScan.query.all()] == [
        (reissued.id, "invalid_ticket")
    ]


def test_undo_of_a_check_in_undone_elsewhere_shows_it_undone(
    phone, live_server, staff, door, shoot
):
    workshop, session, (holder, _other, _waiting) = door
    page = phone.new_page()
    open_scanner(page, live_server, staff, workshop, session)
    result = page.locator("#result")
    enter_code(page, ticket_token(holder))
    expect(result).to_have_attribute("data-state", "checked_in")
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 2")

    db.session.rollback()
    undo_check_in(CheckIn.query.one().id, staff, "อีกประตูยกเลิกแล้ว")  # another door, first

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#undo")
    expect(result).to_have_attribute("data-state", "undone")
    expect(result).to_have_attribute("data-code", "already_undone")
    expect(page.locator("#result-detail")).to_have_text("การเช็กอินนี้ถูกยกเลิกไปแล้ว")
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 0 / 2")
    expect(page.locator("#undo")).to_be_disabled()
    shoot(page, "undo-already-undone")
