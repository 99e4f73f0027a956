"""Cancelling a workshop in the browser: the confirmation page, then what an officer sees."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, sign_in
from tests.support import make_officers, open_workshop
from workshop.extensions import db
from workshop.models import Notification, Workshop
from workshop.services.registrations import register_officer

pytestmark = pytest.mark.e2e

REASON = "วิทยากรติดภารกิจเร่งด่วนของกระทรวง จึงขอเลื่อนการอบรมออกไปก่อน จะแจ้งกำหนดการใหม่ภายหลัง"


def full_page(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_organizer_cancels_with_a_reason_and_the_officer_sees_it(
    phone, live_server, venue, organizer
):
    workshop = open_workshop(venue, organizer, capacity=2)
    seated, other, waiting = make_officers(3)
    for officer in (seated, other, waiting):
        register_officer(workshop.id, officer)

    page = phone.new_page()
    sign_in(page, live_server, organizer)
    page.goto(f"{live_server}/organizer/workshops/{workshop.id}")
    page.get_by_role("link", name="ยกเลิกการอบรม").click()
    page.wait_for_url(f"**/organizer/workshops/{workshop.id}/cancel")
    expect(page.locator("h1")).to_have_text("ยกเลิกการอบรม")
    expect(page.locator(".warning-box")).to_contain_text(
        "ผู้ได้ที่นั่ง 2 คน และผู้อยู่ในรายชื่อสำรอง 1 คน จะได้รับอีเมลแจ้งการยกเลิก"
    )
    expect(page.locator(".warning-box")).to_contain_text("ยกเลิกแล้วเปลี่ยนกลับไม่ได้")
    full_page(page, "cancel-confirmation")

    # Without a reason nothing happens; the message sits at the field.
    page.get_by_role("button", name="ยืนยันการยกเลิกการอบรม").click()
    expect(page.locator(".field.has-error .error")).to_have_text("กรุณาระบุเหตุผลที่ยกเลิกการอบรม")
    full_page(page, "cancel-confirmation-no-reason")
    db.session.rollback()
    assert db.session.get(Workshop, workshop.id).status == "published"

    page.fill("#reason", REASON)
    page.get_by_role("button", name="ยืนยันการยกเลิกการอบรม").click()
    page.wait_for_url(f"**/organizer/workshops/{workshop.id}")
    expect(page.locator(".flash-success")).to_have_text("ยกเลิกการอบรมแล้ว ส่งอีเมลแจ้งผู้ลงทะเบียน 3 คน")
    expect(page.locator(".cancelled-note")).to_contain_text(REASON)
    full_page(page, "cancel-organizer-after")
    db.session.rollback()
    assert db.session.get(Workshop, workshop.id).status == "cancelled"
    assert Notification.query.filter_by(event="workshop_cancelled").count() == 3

    page.click("form[data-signout] button")
    page.wait_for_url(live_server + "/")
    sign_in(page, live_server, seated)
    page.goto(f"{live_server}/my/registrations")
    ticket = page.locator("article.ticket")
    expect(ticket.locator(".badge")).to_have_text("การอบรมถูกยกเลิก")
    expect(ticket.locator(".cancelled-note")).to_contain_text(f"เหตุผล: {REASON}")
    expect(ticket.locator(".ticket-qr")).to_have_count(0)
    full_page(page, "cancel-my-registrations")
