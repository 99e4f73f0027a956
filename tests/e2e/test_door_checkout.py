"""The exit of a workshop that scans people out, in a real browser: the entrance/exit switch,
scans out online, the refusal for someone never checked in, and a scan out queued offline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.support import workshop_running_now
from tests.e2e.test_door_scanner import QUEUE_KEY, bangkok_clock, checkins, enter_code
from tests.support import make_officers
from workshop.extensions import db
from workshop.services.checkins import check_in
from workshop.services.registrations import register_officer
from workshop.services.tickets import ticket_token

pytestmark = pytest.mark.e2e


@pytest.fixture
def exit_door(venue, organizer, staff):
    """A workshop running now that scans out: one officer checked in, one not (yet)."""
    workshop = workshop_running_now(venue, organizer, capacity=5)
    workshop.checkout_enabled = True
    db.session.commit()
    inside, outside = make_officers(2)
    came = register_officer(workshop.id, inside, actor=organizer)
    late = register_officer(workshop.id, outside, actor=organizer)
    session = workshop.sessions[0]
    check_in(session_id=session.id, staff=staff, registration_id=came.id, method="search")
    return workshop, session, came, late


def test_staff_switch_to_the_exit_and_scan_people_out(phone, live_server, staff, exit_door, shoot):
    workshop, session, came, late = exit_door
    page = phone.new_page()
    sign_in(page, live_server, staff)
    page.goto(f"{live_server}/checkin/{workshop.id}/{session.id}")
    expect(page.locator("#scanner")).to_have_attribute("data-roster", "ready")
    page.click("text=สแกนออก (ทางออก)")
    page.wait_for_url(f"{live_server}/checkin/{workshop.id}/{session.id}?mode=out")
    scanner = page.locator("#scanner")
    expect(scanner).to_have_attribute("data-mode", "out")
    expect(scanner).to_have_attribute("data-roster", "ready")
    expect(page.locator("#result-headline")).to_have_text("พร้อมสแกนออก")
    expect(page.locator("#undo")).to_be_hidden()
    shoot(page, "exit-ready")
    result = page.locator("#result")

    enter_code(page, ticket_token(came))
    expect(result).to_have_attribute("data-state", "checked_out")
    expect(page.locator("#result-name")).to_have_text(came.user.full_name)
    expect(page.locator("#result-detail")).to_contain_text("เวลาเข้าอบรมช่วงนี้")
    (row,) = checkins()
    assert row.checked_out_at is not None and row.checkout_staff_id == staff.id
    expect(page.locator("#result-headline")).to_have_text(
        f"สแกนออกแล้ว {bangkok_clock(row.checked_out_at)}"
    )
    shoot(page, "exit-checked-out")

    enter_code(page, ticket_token(late))
    expect(result).to_have_attribute("data-state", "error")
    expect(result).to_have_attribute("data-code", "not_checked_in")
    expect(page.locator("#result-headline")).to_have_text("ผู้นี้ยังไม่ได้เช็กอินช่วงนี้ จึงสแกนออกไม่ได้")
    shoot(page, "exit-not-checked-in")


def test_a_scan_out_made_offline_is_sent_when_the_network_is_back(
    phone, live_server, staff, exit_door
):
    workshop, session, came, _late = exit_door
    page = phone.new_page()
    sign_in(page, live_server, staff)
    page.goto(f"{live_server}/checkin/{workshop.id}/{session.id}?mode=out")
    expect(page.locator("#scanner")).to_have_attribute("data-roster", "ready")

    phone.set_offline(True)
    enter_code(page, ticket_token(came))
    result = page.locator("#result")
    expect(result).to_have_attribute("data-state", "checked_out")
    expect(result).to_have_attribute("data-offline", "1")
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}'))")
    assert [(item["mode"], item["rid"]) for item in queued] == [("out", came.id)]
    assert checkins()[0].checked_out_at is None

    phone.set_offline(False)
    expect(page.locator("#net")).to_have_attribute("data-queue", "0")
    (row,) = checkins()
    assert row.checked_out_at is not None
